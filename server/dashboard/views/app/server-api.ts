// The page's requests to its own server as the signed-in agent (sdk/browser's signedFetch): JSON
// and resources by signed GETs, and Commits signed here. The agent's key never leaves this page.

import { signCommit, signedFetch, type Agent, type CommitChanges } from 'atomic-plugin/sdk/browser';
import type { Resource } from '../../../../sdk/view/protocol.js';

/** What the page asks its server for; refusals reject with sdk/browser's RequestError. */
export interface ServerApi {
  readonly agent: Agent;
  /** A signed GET of a URL on this server, as JSON (`accept` picks the format). */
  getJson<T>(url: string, accept?: string): Promise<T>;
  /** A resource on this server, as JSON-AD. */
  resource(subject: string): Promise<Resource>;
  /** Signs and posts a commit; resolves to the commit's subject. */
  commit(changes: CommitChanges): Promise<string>;
}

/** The API of the server this page came from, as `agent`. */
export function createServerApi(agent: Agent): ServerApi {
  const getJson = async <T>(url: string, accept = 'application/json'): Promise<T> => {
    // The page talks to its own origin only (its CSP says so too): another server's resource is refused here.
    if (new URL(url, location.origin).origin !== location.origin) throw new Error(`${url} is not on this server`);
    return (await (await signedFetch(agent, url, { accept })).json()) as T;
  };
  return {
    agent,
    getJson,
    resource: (subject) => getJson<Resource>(subject, 'application/ad+json'),
    async commit(changes) {
      const response = await signedFetch(null, '/commit', { method: 'POST', accept: 'application/ad+json', contentType: 'application/ad+json', body: JSON.stringify(signCommit(agent, changes)) });
      return ((await response.json()) as Resource)['@id'];
    },
  };
}
