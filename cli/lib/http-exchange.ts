// Plain HTTP exchanges with an Atomic Data server that never throw on a status: what was sent
// comes back with the status, headers and body as they were. The conformance runner judges these
// answers itself, and the end-to-end tests (test/support/commits.ts) use the same helpers.

import type { AgentIdentity } from '../../server/atomic/agent.js';
import { signRequestHeaders } from '../../server/atomic/auth.js';
import { commitToPropVals, type Commit } from '../../server/atomic/commit.js';

/** A parsed JSON body; callers read fields off it freely. */
export type JsonBody = Record<string, unknown>;

/** A response, read. `body` is the parsed JSON, or undefined when the body is not JSON. */
export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  body: JsonBody | undefined;
}

/** Reads a response into an HttpResult (the body parsed when it is JSON). */
export async function readResult(response: Response): Promise<HttpResult> {
  const text = await response.text();
  let body: JsonBody | undefined;
  try {
    body = JSON.parse(text) as JsonBody;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}

/** GETs `url`, signed as `agent` when one is given. */
export async function getAs(url: string, agent?: AgentIdentity, accept = 'application/ad+json'): Promise<HttpResult> {
  const headers: Record<string, string> = { accept, ...(agent ? signRequestHeaders(url, agent) : {}) };
  return readResult(await fetch(url, { headers }));
}

/** POSTs a raw body to `{server}/commit`. A non-string body is sent as JSON; `contentType: null` sends none. */
export async function postRaw(serverUrl: string, body: string | Buffer | unknown, contentType: string | null = 'application/ad+json'): Promise<HttpResult> {
  const headers: Record<string, string> = {};
  if (contentType !== null) headers['content-type'] = contentType;
  const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return readResult(await fetch(`${serverUrl}/commit`, { method: 'POST', headers, body: payload }));
}

/** POSTs an already signed commit as JSON-AD. */
export async function postSignedCommit(serverUrl: string, commit: Commit): Promise<HttpResult> {
  return postRaw(serverUrl, JSON.stringify(commitToPropVals(commit)));
}
