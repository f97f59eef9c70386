// Small HTTP helpers for end-to-end tests: sign and POST commits, make (signed) GETs, register
// agents. They speak plain fetch, so what they send is exactly what a test says; the exchange
// helpers themselves are the CLI's (cli/lib/http-exchange.ts), shared with the conformance runner.

import { createAgentIdentity, decodeSecret, type AgentIdentity } from '../../server/atomic/agent.js';
import { signCommit, type Commit, type CommitChanges } from '../../server/atomic/commit.js';
import { getAs, postRaw, postSignedCommit, readResult, type HttpResult, type JsonBody } from '../../cli/lib/http-exchange.js';
import type { PropVals } from '../../server/atomic/json-ad.js';
import { classes, props } from '../../server/atomic/urls.js';

export { getAs, postRaw, postSignedCommit, readResult, type HttpResult, type JsonBody };

/** The owner agent of a host process, from its secret. */
export function ownerOf(host: { secret: string }): AgentIdentity {
  return decodeSecret(host.secret);
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
