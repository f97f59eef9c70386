// The room each scenario works in and the clean-up after it: `{{base}}`, a fresh resource under the
// drive that only the owner may read and write, and afterwards every resource under it (whoever
// made it: the scenario's commits or a plugin acting for it) and every other subject the
// scenario's commits touched is destroyed, deepest first, then checked gone.

import { signCommit } from '../../../server/atomic/commit.js';
import { props } from '../../../server/atomic/urls.js';
import { getAs, postSignedCommit } from '../http-exchange.js';
import type { Target } from './exchange.js';

/** The largest number of resources one clean-up walks: far more than a scenario should make. */
const MAX_RESOURCES = 10_000;

/** Creates `subject` under the drive, readable and writable by the owner only. */
export async function createBase(target: Target, subject: string, name: string): Promise<void> {
  const commit = signCommit(
    { subject, set: { [props.parent]: target.serverUrl, [props.name]: name, [props.read]: [target.owner.subject], [props.write]: [target.owner.subject] } },
    target.owner,
  );
  const result = await postSignedCommit(target.serverUrl, commit);
  if (result.status !== 200) throw new Error(`creating the scenario's base ${subject} failed with ${result.status}: ${result.text.slice(0, 300)}`);
}

/** The subjects whose parent is `parent`, as the owner sees them. */
export async function childrenOf(target: Target, parent: string): Promise<string[]> {
  const url = `${target.serverUrl}/query?property=${encodeURIComponent(props.parent)}&value=${encodeURIComponent(parent)}&page_size=${MAX_RESOURCES}`;
  const result = await getAs(url, target.owner);
  if (result.status !== 200) throw new Error(`listing the children of ${parent} failed with ${result.status}: ${result.text.slice(0, 300)}`);
  const members = result.body?.[props.collection.members];
  if (!Array.isArray(members)) return [];
  return members.flatMap((m) => (typeof m === 'string' ? [m] : typeof m === 'object' && m !== null && typeof (m as { '@id'?: unknown })['@id'] === 'string' ? [(m as { '@id': string })['@id']] : []));
}

/** `root` and everything under it, parents before children. */
async function tree(target: Target, root: string): Promise<string[]> {
  const order = [root];
  for (let i = 0; i < order.length && order.length < MAX_RESOURCES; i++) {
    for (const child of await childrenOf(target, order[i]!)) if (!order.includes(child)) order.push(child);
  }
  return order;
}

const exists = async (target: Target, subject: string): Promise<boolean> => (await getAs(subject, target.owner)).status !== 404;

/**
 * Destroys each root with everything under it, and every subject in `also` that still exists,
 * children first. Answers what is still there afterwards (empty when all went).
 */
export async function destroyAll(target: Target, roots: readonly string[], also: readonly string[] = []): Promise<string[]> {
  const doomed: string[] = [];
  for (const subject of [...roots, ...also]) {
    if (doomed.includes(subject) || !(await exists(target, subject))) continue;
    for (const s of await tree(target, subject)) if (!doomed.includes(s)) doomed.push(s);
  }
  for (const subject of doomed.reverse()) {
    await postSignedCommit(target.serverUrl, signCommit({ subject, destroy: true }, target.owner));
  }
  const left: string[] = [];
  for (const subject of doomed) if (await exists(target, subject)) left.push(subject);
  return left;
}
