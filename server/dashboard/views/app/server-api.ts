// The page's requests to its own server as the signed-in agent: signed GETs of resources and JSON,
// and signed Commits. The agent's key stays in this module's caller; only signatures leave.

import { signCommit, signedHeaders, type Agent, type CommitChanges } from 'atomic-plugin/sdk/browser';
import type { Resource } from '../../../../sdk/view/protocol.js';

const DESCRIPTION = 'https://atomicdata.dev/properties/description';

/** A request the server refused, with its status and its explanation. */
export class ServerError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ServerError';
  }
}

/** What the page asks its server for. */
export interface ServerApi {
  readonly agent: Agent;
  /** A signed GET of a URL on this server, as JSON (`accept` picks the format). */
  getJson<T>(url: string, accept?: string): Promise<T>;
  /** A resource on this server, as JSON-AD. */
  resource(subject: string): Promise<Resource>;
  /** Signs and posts a commit; resolves to the commit's subject. */
  commit(changes: CommitChanges): Promise<string>;
}

async function refusal(response: Response): Promise<ServerError> {
  const text = await response.text();
  let message = text.slice(0, 300) || response.statusText;
  try {
    const description = (JSON.parse(text) as Record<string, unknown>)[DESCRIPTION];
    if (typeof description === 'string') message = description;
  } catch {
    // not JSON: the text itself says it
  }
  return new ServerError(response.status, message);
}

/** The API of the server this page came from, as `agent`. */
export function createServerApi(agent: Agent): ServerApi {
  const origin = location.origin;
  const onThisServer = (url: string): URL => {
    const parsed = new URL(url, origin);
    if (parsed.origin !== origin) throw new ServerError(400, `${url} is not on this server`);
    return parsed;
  };
  const getJson = async <T>(url: string, accept = 'application/json'): Promise<T> => {
    const absolute = onThisServer(url).href;
    const response = await fetch(absolute, { headers: { accept, ...signedHeaders(agent, absolute) } });
    if (!response.ok) throw await refusal(response);
    return (await response.json()) as T;
  };
  return {
    agent,
    getJson,
    resource: (subject) => getJson<Resource>(subject, 'application/ad+json'),
    async commit(changes) {
      const response = await fetch(`${origin}/commit`, {
        method: 'POST',
        headers: { 'content-type': 'application/ad+json', accept: 'application/ad+json' },
        body: JSON.stringify(signCommit(agent, changes)),
      });
      if (!response.ok) throw await refusal(response);
      return ((await response.json()) as Resource)['@id'];
    },
  };
}
