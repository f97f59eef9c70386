// The host functions the plugin uses, shaped for it: `can` over any number of subjects (the host
// takes 10,000 at a time), pages of resources (`query` with a cursor and `include_resources`), and a resource
// that may not exist.

import { can as canBatch, getResource, HostError, query } from 'atomic-plugin/sdk/node';
import type { JsonValue } from './atomic-rdf.js';

/** The most subjects one `can` call takes. */
const CAN_BATCH = 10_000;

/** The subjects among `subjects` on which `agent` (null: anonymous) has `right`. */
export async function can(agent: string | null, right: 'read' | 'write', subjects: readonly string[]): Promise<Set<string>> {
  const allowed = new Set<string>();
  for (let i = 0; i < subjects.length; i += CAN_BATCH) {
    for (const subject of await canBatch(agent, right, subjects.slice(i, i + CAN_BATCH))) allowed.add(subject);
  }
  return allowed;
}

/** A resource as JSON-AD property-value pairs with its `@id`. */
export type ResourceJson = { '@id': string } & Record<string, JsonValue>;

/**
 * Every resource the plugin's agent may read (every local resource, with full-drive-access), a
 * page at a time in subject order, through `query`'s cursor.
 */
export async function* resourcePages(pageSize: number): AsyncGenerator<ResourceJson[]> {
  for (let after: string | null = ''; after !== null; ) {
    const answer = await query({ after, page_size: pageSize, include_resources: true });
    yield (answer.resources ?? []) as ResourceJson[];
    after = answer.next ?? null;
  }
}

/** A resource as the server has it now (with `@id`), or undefined when it does not exist. */
export async function readResource(subject: string): Promise<Record<string, JsonValue> | undefined> {
  try {
    return (await getResource(subject)) as unknown as Record<string, JsonValue>;
  } catch (error) {
    if (error instanceof HostError && error.code === 'NOT_FOUND') return undefined;
    throw error;
  }
}
