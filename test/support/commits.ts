// Small HTTP helpers for end-to-end tests: sign and POST commits, make (signed) GETs, register
// agents. They speak plain fetch, so what they send is exactly what a test says.

import { createAgentIdentity, decodeSecret, type AgentIdentity } from '../../server/atomic/agent.js';
import { signRequestHeaders } from '../../server/atomic/auth.js';
import { commitToPropVals, signCommit, type Commit, type CommitChanges } from '../../server/atomic/commit.js';
import type { PropVals } from '../../server/atomic/json-ad.js';
import { classes, props } from '../../server/atomic/urls.js';

/** A parsed JSON body; tests read fields off it freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
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

/** The owner agent of a host process, from its secret. */
export function ownerOf(host: { secret: string }): AgentIdentity {
  return decodeSecret(host.secret);
}

/** POSTs a raw body to `{server}/commit`. A non-string body is sent as JSON; `contentType: null` sends none. */
export async function postRaw(
  serverUrl: string,
  body: string | Buffer | unknown,
  contentType: string | null = 'application/ad+json',
): Promise<HttpResult> {
  const headers: Record<string, string> = {};
  if (contentType !== null) headers['content-type'] = contentType;
  const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return readResult(await fetch(`${serverUrl}/commit`, { method: 'POST', headers, body: payload }));
}

/** POSTs an already signed commit as JSON-AD. */
export async function postSignedCommit(serverUrl: string, commit: Commit): Promise<HttpResult> {
  return postRaw(serverUrl, JSON.stringify(commitToPropVals(commit)));
}

/** Signs `changes` as `agent` and POSTs them; returns the response and the commit that was sent. */
export async function postCommit(
  serverUrl: string,
  changes: CommitChanges,
  agent: Pick<AgentIdentity, 'subject' | 'privateKey'>,
  createdAt = Date.now(),
): Promise<HttpResult & { commit: Commit }> {
  const commit = signCommit(changes, agent, createdAt);
  return { ...(await postSignedCommit(serverUrl, commit)), commit };
}

/** Creates `subject` (or fails the test): `set` plus a parent, the drive unless given. */
export async function createResource(
  serverUrl: string,
  agent: Pick<AgentIdentity, 'subject' | 'privateKey'>,
  subject: string,
  set: PropVals,
): Promise<Commit> {
  const result = await postCommit(serverUrl, { subject, set: { [props.parent]: serverUrl, ...set } }, agent);
  if (result.status !== 200) throw new Error(`creating ${subject} failed with ${result.status}: ${result.text}`);
  return result.commit;
}

/** GETs `url`, signed as `agent` when one is given. */
export async function getAs(url: string, agent?: AgentIdentity, accept = 'application/ad+json'): Promise<HttpResult> {
  const headers: Record<string, string> = { accept, ...(agent ? signRequestHeaders(url, agent) : {}) };
  return readResult(await fetch(url, { headers }));
}

/** Makes a new agent and registers it with the self-signed commit that creates its own resource. */
export async function registerAgent(serverUrl: string, name = 'Second agent'): Promise<AgentIdentity> {
  const agent = createAgentIdentity(serverUrl);
  const result = await postCommit(
    serverUrl,
    { subject: agent.subject, set: { [props.isA]: [classes.agent], [props.publicKey]: agent.publicKey, [props.name]: name } },
    agent,
  );
  if (result.status !== 200) throw new Error(`registering ${agent.subject} failed with ${result.status}: ${result.text}`);
  return agent;
}

let counter = 0;

/** A fresh subject under the server, unique within and across runs. */
export function uniqueSubject(serverUrl: string, prefix: string): string {
  counter += 1;
  return `${serverUrl}/${prefix}-${Date.now().toString(36)}-${counter}`;
}

/** Waits until `condition` holds, polling. */
export async function waitFor(condition: () => boolean, timeoutMs = 5000, what = 'a condition'): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Polls until `check` passes (its last failure is the error): for what after-commit hooks do a moment after the commit. */
export async function eventually(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() - started > timeoutMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
