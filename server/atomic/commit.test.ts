import { CommitBuilder } from '@tomic/lib';
import { describe, expect, it } from 'vitest';
import {
  applyCommit,
  commitSubject,
  commitToPropVals,
  parseCommit,
  signCommit,
  signableString,
  verifyCommitSignature,
  type Commit,
} from './commit.js';
import { AtomicError } from './errors.js';
import { generateKeyPair } from './ed25519.js';
import { classes, localProps, props } from './urls.js';

const SEED = 'CapMWIhFUT+w7ANv9oCPqrHrwZpkP2JhzF9JnyT6WcI=';
const PUBLIC_KEY = '7LsjMW5gOfDdJzK/atgjQ1t20J/rw8MjVg6xwqm+h8U=';
const SERVER = 'http://localhost:9883';
const agent = { subject: `${SERVER}/agents/${PUBLIC_KEY}`, privateKey: SEED };
const SUBJECT = `${SERVER}/things/a`;
const CREATED_AT = 1_700_000_000_000;
const C = props.commit;

/** A signed commit as the JSON-AD a client POSTs. */
function signedBody(changes: Parameters<typeof signCommit>[0] = { subject: SUBJECT, set: { [props.name]: 'A' } }): Record<string, unknown> {
  return JSON.parse(JSON.stringify(commitToPropVals(signCommit(changes, agent, CREATED_AT)))) as Record<string, unknown>;
}

function without(body: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...body };
  delete copy[key];
  return copy;
}

/**
 * The JSON-AD that @tomic/lib posts for a commit it signed: its function `fe` renames the plain
 * commit's keys to full property URLs and adds isA; empty parts are still present at that point.
 */
function tomicJsonAd(plain: Record<string, unknown>): Record<string, unknown> {
  const names: Record<string, string> = {
    subject: C.subject,
    createdAt: C.createdAt,
    signer: C.signer,
    signature: C.signature,
    set: C.set,
    remove: C.remove,
    push: C.push,
    destroy: C.destroy,
    previousCommit: C.previousCommit,
  };
  const out: Record<string, unknown> = { [props.isA]: [classes.commit] };
  for (const [key, value] of Object.entries(plain)) out[names[key] ?? key] = value;
  // Through JSON, as on the wire: undefined parts (destroy, previousCommit) disappear.
  return JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
}

describe('signableString', () => {
  const base = { subject: SUBJECT, createdAt: CREATED_AT, signer: agent.subject, signature: 'sig' };

  it('is sorted-key JSON with full property URLs, isA, and no signature', () => {
    const text = signableString({ ...base, set: { [props.name]: 'A' } });
    expect(text).toBe(
      `{"${C.createdAt}":${CREATED_AT},"${props.isA}":["${classes.commit}"],"${C.set}":{"${props.name}":"A"},"${C.signer}":"${agent.subject}","${C.subject}":"${SUBJECT}"}`,
    );
    expect(text).not.toContain('sig"');
    expect(text).not.toContain(C.signature);
  });

  it('sorts keys at every level of nesting', () => {
    const text = signableString({
      ...base,
      set: { 'https://z.example/p': { b: 1, a: { d: [{ y: 1, x: 2 }], c: 2 } }, 'https://a.example/p': 'first' },
    });
    expect(text).toContain('"https://atomicdata.dev/properties/set":{"https://a.example/p":"first","https://z.example/p":{"a":{"c":2,"d":[{"x":2,"y":1}]},"b":1}}');
  });

  it('does not depend on the order the commit was written in', () => {
    const a = signableString({ ...base, set: { 'https://x.example/b': 1, 'https://x.example/a': 2 }, remove: [props.description] });
    const b = signableString({ remove: [props.description], set: { 'https://x.example/a': 2, 'https://x.example/b': 1 }, ...base });
    expect(a).toBe(b);
  });

  it('leaves out destroy:false', () => {
    const plain = signableString({ ...base, set: { [props.name]: 'A' } });
    expect(signableString({ ...base, set: { [props.name]: 'A' }, destroy: false })).toBe(plain);
    expect(signableString({ ...base, set: { [props.name]: 'A' }, destroy: true })).toContain(`"${C.destroy}":true`);
  });

  it('leaves out empty set, remove and push', () => {
    const plain = signableString({ ...base, destroy: true });
    expect(signableString({ ...base, destroy: true, set: {}, remove: [], push: {} })).toBe(plain);
  });

  it('is what signCommit signs once empty parts are dropped', () => {
    const commit = signCommit({ subject: SUBJECT, set: { [props.name]: 'A' }, remove: [], push: {}, destroy: false }, agent, CREATED_AT);
    expect(commit).not.toHaveProperty('remove');
    expect(commit).not.toHaveProperty('push');
    expect(commit).not.toHaveProperty('destroy');
    expect(verifyCommitSignature(commit, PUBLIC_KEY)).toBe(true);
  });
});

describe('signing and verifying commits', () => {
  it('verifies a commit it signed, and refuses it once anything changed', () => {
    const commit = signCommit({ subject: SUBJECT, set: { [props.name]: 'A' } }, agent, CREATED_AT);
    expect(commit.signer).toBe(agent.subject);
    expect(commit.createdAt).toBe(CREATED_AT);
    expect(verifyCommitSignature(commit, PUBLIC_KEY)).toBe(true);
    expect(verifyCommitSignature({ ...commit, set: { [props.name]: 'B' } }, PUBLIC_KEY)).toBe(false);
    expect(verifyCommitSignature({ ...commit, createdAt: CREATED_AT + 1 }, PUBLIC_KEY)).toBe(false);
    expect(verifyCommitSignature({ ...commit, subject: `${SUBJECT}x` }, PUBLIC_KEY)).toBe(false);
    expect(verifyCommitSignature({ ...commit, destroy: true }, PUBLIC_KEY)).toBe(false);
    expect(verifyCommitSignature(commit, generateKeyPair().publicKey)).toBe(false);
    const sig = Buffer.from(commit.signature, 'base64');
    sig[10] = sig[10]! ^ 0x80;
    expect(verifyCommitSignature({ ...commit, signature: sig.toString('base64') }, PUBLIC_KEY)).toBe(false);
  });

  it('survives the trip through JSON and parseCommit', () => {
    const commit = parseCommit(signedBody({ subject: SUBJECT, set: { [props.name]: 'A' }, push: { [props.write]: [agent.subject] } }));
    expect(verifyCommitSignature(commit, PUBLIC_KEY)).toBe(true);
  });

  it('stores a commit at {server}/commits/{signature}', () => {
    const commit = signCommit({ subject: SUBJECT, set: { [props.name]: 'A' } }, agent, CREATED_AT);
    expect(commitSubject(SERVER, commit)).toBe(`${SERVER}/commits/${commit.signature}`);
  });
});

describe('agreement with @tomic/lib', () => {
  const cases: { name: string; build: () => CommitBuilder }[] = [
    { name: 'a set', build: () => new CommitBuilder(SUBJECT).addSetAction(props.name, 'Hello').addSetAction(props.description, 'Wörld "quoted"') },
    {
      name: 'set, push, remove and previousCommit',
      build: () =>
        new CommitBuilder(SUBJECT)
          .addSetAction(props.name, 'Hello')
          .addSetAction('https://example.com/nested', { b: 1, a: [true, 2.5, 'x'] })
          .addPushAction(props.write, `${SERVER}/agents/x`, `${SERVER}/agents/y`)
          .addRemoveAction(props.description)
          .setPreviousCommit(`${SERVER}/commits/abc`),
    },
    { name: 'a destroy', build: () => new CommitBuilder(SUBJECT).setDestroy(true) },
    { name: 'a remove only', build: () => new CommitBuilder(SUBJECT).addRemoveAction(props.name) },
  ];

  it.each(cases)('verifies and reproduces the signature of $name', async ({ build }) => {
    const signed = (await build().signAt(agent.subject, SEED, CREATED_AT)) as unknown as Record<string, unknown>;
    const commit = parseCommit(tomicJsonAd(signed));
    expect(verifyCommitSignature(commit, PUBLIC_KEY)).toBe(true);

    const ours = signCommit(
      {
        subject: SUBJECT,
        set: signed.set as Commit['set'],
        push: signed.push as Commit['push'],
        remove: signed.remove as string[],
        destroy: signed.destroy as boolean | undefined,
        previousCommit: signed.previousCommit as string | undefined,
      },
      agent,
      CREATED_AT,
    );
    expect(ours.signature).toBe(signed.signature);
  });
});

describe('commits made on behalf of an agent', () => {
  const onBehalfOf = { property: localProps(SERVER).onBehalfOf, agent: `${SERVER}/agents/requester` };
  const changes = { subject: SUBJECT, set: { [props.name]: 'A' }, onBehalfOf };

  it('sign the on-behalf-of agent under the server\'s own property; without it a commit is signed as before', () => {
    const commit = signCommit(changes, agent, CREATED_AT);
    expect(JSON.parse(signableString(commit))[onBehalfOf.property]).toBe(onBehalfOf.agent);
    expect(verifyCommitSignature(commit, PUBLIC_KEY)).toBe(true);
    expect(verifyCommitSignature({ ...commit, onBehalfOf: { ...onBehalfOf, agent: `${SERVER}/agents/other` } }, PUBLIC_KEY)).toBe(false);
    const { onBehalfOf: _, ...plain } = commit;
    expect(verifyCommitSignature(plain, PUBLIC_KEY)).toBe(false);
    expect(signableString(signCommit({ subject: SUBJECT, set: { [props.name]: 'A' } }, agent, CREATED_AT))).not.toContain('on-behalf-of');
  });

  it('survive the trip through JSON and parseCommit with the server URL, and only with it', () => {
    const body = signedBody(changes);
    const commit = parseCommit(body, SERVER);
    expect(commit.onBehalfOf).toEqual(onBehalfOf);
    expect(verifyCommitSignature(commit, PUBLIC_KEY)).toBe(true);
    expect(() => parseCommit(body)).toThrow(/unknown property/);
    expect(() => parseCommit(body, 'http://elsewhere.example')).toThrow(/unknown property/);
    expect(() => parseCommit({ ...body, [onBehalfOf.property]: 'someone' }, SERVER)).toThrow(/must be an agent URL/);
  });
});

describe('parseCommit', () => {
  const valid = signedBody();

  it('reads a valid commit, dropping empty parts and destroy:false', () => {
    const commit = parseCommit({ ...valid, [C.remove]: [], [C.push]: {}, [C.destroy]: false });
    expect(commit).toEqual({ subject: SUBJECT, createdAt: CREATED_AT, signer: agent.subject, signature: valid[C.signature], set: { [props.name]: 'A' } });
  });

  const rejects: [string, unknown, RegExp][] = [
    ['an array', [valid], /JSON object/],
    ['a string', JSON.stringify(valid), /JSON object/],
    ['null', null, /JSON object/],
    ['a number', 42, /JSON object/],
    ['an unknown key', { ...valid, 'https://example.com/extra': 1 }, /unknown property/],
    ['a shortname key', { ...valid, name: 'A' }, /unknown property/],
    ['no subject', without(valid, C.subject), /subject/],
    ['no signer', without(valid, C.signer), /signer/],
    ['no signature', without(valid, C.signature), /signature/],
    ['no createdAt', without(valid, C.createdAt), /createdAt/],
    ['a null subject', { ...valid, [C.subject]: null }, /subject/],
    ['a null signature', { ...valid, [C.signature]: null }, /signature/],
    ['a null createdAt', { ...valid, [C.createdAt]: null }, /createdAt/],
    ['a string createdAt', { ...valid, [C.createdAt]: String(CREATED_AT) }, /createdAt/],
    ['a fractional createdAt', { ...valid, [C.createdAt]: CREATED_AT + 0.5 }, /createdAt/],
    ['a null set value', { ...valid, [C.set]: { [props.name]: null } }, /null/],
    ['a null nested in a set value', { ...valid, [C.set]: { [props.name]: ['a', null] } }, /null/],
    ['a null set', { ...valid, [C.set]: null }, /set/],
    ['a null destroy', { ...valid, [C.destroy]: null }, /destroy/],
    ['a null previousCommit', { ...valid, [C.previousCommit]: null }, /previousCommit/],
    ['a non-URL subject', { ...valid, [C.subject]: 'things/a' }, /subject/],
    ['a non-http subject', { ...valid, [C.subject]: 'ftp://example.com/a' }, /subject/],
    ['a non-URL signer', { ...valid, [C.signer]: 'me' }, /signer/],
    ['a non-URL key in set', { ...valid, [C.set]: { name: 'A' } }, /not a URL: name/],
    ['a non-URL key in remove', { ...valid, [C.remove]: ['name'] }, /remove/],
    ['a non-URL key in push', { ...valid, [C.push]: { write: ['x'] } }, /push/],
    ['a push that is not an array', { ...valid, [C.push]: { [props.write]: 'x' } }, /push/],
    ['a non-boolean destroy', { ...valid, [C.destroy]: 'true' }, /destroy/],
    ['a wrong isA', { ...valid, [props.isA]: [classes.agent] }, /isA/],
    ['an empty change', without(valid, C.set), /changes nothing/],
    ['only empty parts', { ...without(valid, C.set), [C.set]: {}, [C.remove]: [], [C.push]: {}, [C.destroy]: false }, /changes nothing/],
  ];

  it.each(rejects)('rejects %s with INVALID_COMMIT', (_, body, message) => {
    let caught: unknown;
    try {
      parseCommit(body);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AtomicError);
    expect((caught as AtomicError).code).toBe('INVALID_COMMIT');
    expect((caught as AtomicError).status).toBe(400);
    expect((caught as AtomicError).message).toMatch(message);
  });
});

describe('applyCommit', () => {
  const ID = `${SERVER}/commits/xyz`;
  const commit = (parts: Partial<Commit>): Commit => ({ subject: SUBJECT, createdAt: CREATED_AT, signer: agent.subject, signature: 'xyz', ...parts });
  const before = { [props.name]: 'Old', [props.description]: 'Text', [props.write]: ['https://a.example/1'], [props.lastCommit]: `${SERVER}/commits/old` };

  it('creates a resource from nothing, with lastCommit', () => {
    expect(applyCommit(undefined, commit({ set: { [props.name]: 'New' } }), ID)).toEqual({ [props.name]: 'New', [props.lastCommit]: ID });
  });

  it('set replaces and adds values, keeping the rest', () => {
    const after = applyCommit(before, commit({ set: { [props.name]: 'New', [props.parent]: SERVER } }), ID);
    expect(after).toEqual({ ...before, [props.name]: 'New', [props.parent]: SERVER, [props.lastCommit]: ID });
  });

  it('remove deletes properties, also ones that were just set', () => {
    const after = applyCommit(before, commit({ set: { [props.name]: 'New' }, remove: [props.name, props.description, 'https://absent.example/p'] }), ID);
    expect(after).toEqual({ [props.write]: ['https://a.example/1'], [props.lastCommit]: ID });
  });

  it('push appends to an array, or starts one', () => {
    const after = applyCommit(before, commit({ push: { [props.write]: ['https://a.example/2', 'https://a.example/3'], [props.read]: ['https://a.example/4'] } }), ID);
    expect(after?.[props.write]).toEqual(['https://a.example/1', 'https://a.example/2', 'https://a.example/3']);
    expect(after?.[props.read]).toEqual(['https://a.example/4']);
  });

  it('push onto a value that is not an array is an INVALID_COMMIT', () => {
    expect(() => applyCommit(before, commit({ push: { [props.name]: ['x'] } }), ID)).toThrow(AtomicError);
    expect(() => applyCommit(before, commit({ push: { [props.name]: ['x'] } }), ID)).toThrow(/not an array/);
  });

  it('destroy removes the resource', () => {
    expect(applyCommit(before, commit({ destroy: true }), ID)).toBeUndefined();
    expect(applyCommit(before, commit({ destroy: true, set: { [props.name]: 'ignored' } }), ID)).toBeUndefined();
  });

  it('does not modify the resource it was given', () => {
    const copy = structuredClone(before);
    applyCommit(before, commit({ set: { [props.name]: 'New' }, remove: [props.description], push: { [props.write]: ['https://a.example/2'] } }), ID);
    expect(before).toEqual(copy);
  });
});
