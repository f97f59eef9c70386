// The part of signing a Commit that is the same everywhere (Node plugins, browser pages): the
// JSON-AD body a signer signs, and its canonical serialization. Each platform signs the text with
// its own Ed25519 (node:crypto in sdk/node, @noble/ed25519 in sdk/browser).

const P = 'https://atomicdata.dev/properties/';

/** The property that holds a commit's signature; everything else in the body is signed. */
export const SIGNATURE_PROPERTY = `${P}signature`;

/** What a commit changes on its subject. */
export interface CommitChanges {
  subject: string;
  set?: Record<string, unknown>;
  remove?: string[];
  push?: Record<string, unknown[]>;
  destroy?: boolean;
  previousCommit?: string;
}

/** Sorted-key JSON (JCS for these values), as commits are signed. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The unsigned commit body: empty set/remove/push and destroy:false are left out, as the server expects. */
export function commitBody(signer: string, changes: CommitChanges, createdAt: number): Record<string, unknown> {
  const body: Record<string, unknown> = {
    [`${P}subject`]: changes.subject,
    [`${P}createdAt`]: createdAt,
    [`${P}signer`]: signer,
    [`${P}isA`]: ['https://atomicdata.dev/classes/Commit'],
  };
  if (changes.set && Object.keys(changes.set).length > 0) body[`${P}set`] = changes.set;
  if (changes.remove && changes.remove.length > 0) body[`${P}remove`] = changes.remove;
  if (changes.push && Object.keys(changes.push).length > 0) body[`${P}push`] = changes.push;
  if (changes.destroy) body[`${P}destroy`] = true;
  if (changes.previousCommit) body[`${P}previousCommit`] = changes.previousCommit;
  return body;
}
