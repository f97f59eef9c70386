// Carrying out one fixture request or commit against the server and judging the answer against
// the step's expectation: the building blocks of scenario-runner.ts.

import type { AgentIdentity } from '../../../server/atomic/agent.js';
import { signRequestHeaders } from '../../../server/atomic/auth.js';
import { commitToPropVals, signCommit, type Commit, type CommitChanges } from '../../../server/atomic/commit.js';
import type { PropVals } from '../../../server/atomic/json-ad.js';
import { readResult, type HttpResult } from '../http-exchange.js';
import { resolveSubjectUrl } from '../server-client.js';
import type { AgentRole, CommitSpec, Expectation, RequestSpec } from './fixture.js';
import { matchJson, type Difference } from './match.js';
import { compactJson, excerpt, type RequestRecord } from './report.js';

/** The server under test and the agents steps act as. */
export interface Target {
  serverUrl: string;
  owner: AgentIdentity;
  other: AgentIdentity;
}

/** How long one request may take: longer than any plugin deadline, shorter than a hang. */
const REQUEST_TIMEOUT_MS = 30_000;

function agentFor(target: Target, as: AgentRole): AgentIdentity | undefined {
  return as === 'owner' ? target.owner : as === 'other' ? target.other : undefined;
}

/** The answer, or status 0 with the network error as the text when there was none. */
async function exchange(url: string, init: RequestInit): Promise<HttpResult> {
  try {
    return await readResult(await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }));
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    return { status: 0, headers: new Headers(), text: `no answer: ${String(cause ?? error)}`, body: undefined };
  }
}

/** Sends a fixture request (variables already expanded). */
export async function sendRequest(target: Target, spec: RequestSpec): Promise<{ record: RequestRecord; result: HttpResult }> {
  const as = spec.as ?? 'anonymous';
  const method = spec.method ?? 'GET';
  const url = /^https?:\/\//i.test(spec.path) ? spec.path : `${target.serverUrl}${spec.path.startsWith('/') ? '' : '/'}${spec.path}`;
  const headers: Record<string, string> = { ...(spec.headers ?? {}) };
  let body: string | undefined;
  if (typeof spec.body === 'string') body = spec.body;
  else if (spec.body !== undefined) {
    body = JSON.stringify(spec.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  const agent = agentFor(target, as);
  // The server names its root by the bare origin, and checks the signature against that.
  if (agent) Object.assign(headers, signRequestHeaders(resolveSubjectUrl(url, target.serverUrl), agent));
  const result = await exchange(url, { method, headers, ...(body === undefined ? {} : { body }) });
  return { record: { method, url, as, ...(body === undefined ? {} : { body: excerpt(body) }) }, result };
}

/** A commit whose signature no longer verifies: one byte of it changed. */
function tampered(commit: Commit): Commit {
  const bytes = Buffer.from(commit.signature, 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 0xff;
  return { ...commit, signature: bytes.toString('base64') };
}

/** Signs a fixture commit (variables already expanded) as its agent. */
export function buildCommit(target: Target, spec: CommitSpec): Commit {
  const agent = spec.as === 'other' ? target.other : target.owner;
  const changes: CommitChanges = { subject: spec.subject ?? '' };
  if (spec.set) changes.set = spec.set as PropVals;
  if (spec.remove) changes.remove = spec.remove;
  if (spec.push) changes.push = spec.push as CommitChanges['push'];
  if (spec.destroy) changes.destroy = true;
  const commit = signCommit(changes, agent, Date.now() + (spec.createdAtOffsetMs ?? 0));
  return spec.tamper ? tampered(commit) : commit;
}

/** POSTs a signed commit to /commit as JSON-AD. */
export async function sendCommit(target: Target, commit: Commit, as: AgentRole): Promise<{ record: RequestRecord; result: HttpResult }> {
  const url = `${target.serverUrl}/commit`;
  const body = JSON.stringify(commitToPropVals(commit));
  const result = await exchange(url, { method: 'POST', headers: { 'content-type': 'application/ad+json', accept: 'application/ad+json' }, body });
  return { record: { method: 'POST', url, as, body: excerpt(body) }, result };
}

const asList = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Where the answer differs from the expectation (none when it meets it). */
export function judge(expect: Expectation | undefined, result: HttpResult): Difference[] {
  const differences: Difference[] = [];
  const status = expect?.status;
  if (status === undefined) {
    if (result.status < 200 || result.status > 299) differences.push({ path: 'status', expected: '2xx', got: result.status || result.text });
  } else {
    const allowed = Array.isArray(status) ? status : [status];
    if (!allowed.includes(result.status)) differences.push({ path: 'status', expected: allowed.length === 1 ? allowed[0] : allowed, got: result.status || result.text });
  }
  for (const [name, wanted] of Object.entries(expect?.headers ?? {})) {
    const got = result.headers.get(name);
    if (got === null || !got.toLowerCase().includes(wanted.toLowerCase())) differences.push({ path: `headers.${name.toLowerCase()}`, expected: `contains "${wanted}"`, got: got ?? undefined });
  }
  for (const wanted of asList(expect?.bodyContains)) {
    if (!result.text.includes(wanted)) differences.push({ path: 'body', expected: `contains ${JSON.stringify(wanted)}`, got: excerpt(result.text, 300) });
  }
  for (const unwanted of asList(expect?.bodyNotContains)) {
    if (result.text.includes(unwanted)) differences.push({ path: 'body', expected: `does not contain ${JSON.stringify(unwanted)}`, got: excerpt(result.text, 300) });
  }
  if (expect?.json !== undefined) {
    if (result.body === undefined) differences.push({ path: 'json', expected: expect.json, got: `not JSON: ${excerpt(result.text, 300)}` });
    else differences.push(...matchJson(expect.json, result.body));
  }
  return differences;
}

/** The expectation in words, for the report: `status 200, json ⊇ {...}`. */
export function describeExpectation(expect: Expectation | undefined): string {
  const parts: string[] = [];
  const status = expect?.status;
  parts.push(status === undefined ? 'status 2xx' : `status ${Array.isArray(status) ? status.join(' or ') : status}`);
  for (const [name, wanted] of Object.entries(expect?.headers ?? {})) parts.push(`${name.toLowerCase()} contains "${wanted}"`);
  for (const wanted of asList(expect?.bodyContains)) parts.push(`body contains ${JSON.stringify(wanted)}`);
  for (const unwanted of asList(expect?.bodyNotContains)) parts.push(`body does not contain ${JSON.stringify(unwanted)}`);
  if (expect?.json !== undefined) parts.push(`json ⊇ ${compactJson(expect.json, 200)}`);
  return parts.join(', ');
}
