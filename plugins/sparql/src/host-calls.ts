// The host functions the plugin uses beyond the Node helper's typed ones, per the pack's host
// contract: `can` (which of these subjects may an agent read or write), `commit_batch` (all or
// nothing, on behalf of the requester) and `query` with `include_resources` (a page of resources
// with their property-value pairs).

import { hostCall, HostError, type Json } from 'atomic-plugin/sdk/node';
import type { JsonValue } from './atomic-rdf.js';

type HostFunction = Parameters<typeof hostCall>[0];

async function ok<T>(name: string, request: Json): Promise<T> {
  const answer = await hostCall<T>(name as HostFunction, request);
  if ('error' in answer) throw new HostError(answer.error.code, answer.error.message);
  return answer.ok;
}

/** The most subjects one `can` call takes. */
export const CAN_BATCH = 10_000;

/** The subjects among `subjects` on which `agent` (null: anonymous) has `right`. */
export async function can(agent: string | null, right: 'read' | 'write', subjects: readonly string[]): Promise<Set<string>> {
  const allowed = new Set<string>();
  for (let i = 0; i < subjects.length; i += CAN_BATCH) {
    const answer = await ok<{ allowed: string[] }>('can', { agent, right, subjects: subjects.slice(i, i + CAN_BATCH) });
    for (const subject of answer.allowed) allowed.add(subject);
  }
  return allowed;
}

/** A resource as JSON-AD property-value pairs with its `@id`. */
export type ResourceJson = { '@id': string } & Record<string, JsonValue>;

/** One page of the resources the plugin's agent may read (every local resource, with full-drive-access). */
export async function resourcePage(page: number, pageSize: number): Promise<{ members: string[]; total: number; resources?: ResourceJson[] }> {
  return ok('query', { page, page_size: pageSize, include_resources: true });
}

/** The changes of one commit in a batch. */
export interface CommitChanges {
  subject: string;
  set?: Record<string, JsonValue>;
  remove?: string[];
  destroy?: boolean;
}

/** Why the host refused a batch: the index and subject of the refused commit. */
export class BatchRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly index: number | undefined,
    readonly subject: string | undefined,
  ) {
    super(message);
    this.name = 'BatchRefused';
  }
}

/** Applies the commits all or nothing, on behalf of `agent`; resolves to the commits' subjects. */
export async function commitBatch(commits: readonly CommitChanges[], onBehalfOf: string): Promise<string[]> {
  const answer = await hostCall<{ commits: string[] }>('commit_batch' as HostFunction, { commits: commits as unknown as Json, on_behalf_of: onBehalfOf });
  if ('error' in answer) {
    const error = answer.error as { code: string; message: string; index?: number; subject?: string };
    throw new BatchRefused(error.code, error.message, error.index, error.subject);
  }
  return answer.ok.commits;
}
