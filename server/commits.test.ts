import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgentIdentity, type AgentIdentity } from './atomic/agent.js';
import { commitToPropVals, parseCommit, signCommit, verifyCommitSignature, type CommitChanges } from './atomic/commit.js';
import { AtomicError } from './atomic/errors.js';
import { classes, localProps, props } from './atomic/urls.js';
import { CommitBatchError, CommitProcessor, MAX_BATCH_COMMITS } from './commits.js';
import { HostEvents } from './events.js';
import { initialize } from './init.js';
import { LmdbStore } from './store/lmdb-store.js';

const SERVER = 'http://localhost:9999';

describe('CommitProcessor gates', () => {
  let dir: string;
  let store: LmdbStore;
  let commits: CommitProcessor;
  let owner: AgentIdentity;
  const send = (changes: CommitChanges) => commits.process(commitToPropVals(signCommit(changes, owner)));

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'commits-'));
    store = LmdbStore.open(join(dir, 'store'));
    commits = new CommitProcessor(store, SERVER, new HostEvents());
    owner = (await initialize(store, commits, SERVER, dir)).owner;
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows a gate the resource before and after, and applies the commit when the gate passes', async () => {
    const seen: unknown[] = [];
    commits.addGate({ applies: () => true, check: async (preview) => void seen.push([preview.before, preview.after?.[props.name]]) });
    await send({ subject: `${SERVER}/a`, set: { [props.parent]: SERVER, [props.name]: 'A' } });
    expect(seen).toEqual([[undefined, 'A']]);
    expect(store.get(`${SERVER}/a`)?.[props.name]).toBe('A');
  });

  it('shows a gate the commit while its signature is verified, and refuses a bad signature for that whatever the gate said', async () => {
    const verdicts: boolean[] = [];
    commits.addGate({
      applies: () => true,
      check: async (_preview, signed) => {
        verdicts.push(await signed);
        throw new AtomicError('FORBIDDEN', 'refused by a gate');
      },
    });
    const commit = signCommit({ subject: `${SERVER}/forged`, set: { [props.parent]: SERVER, [props.name]: 'signed' } }, owner);
    const forged = commitToPropVals({ ...commit, set: { ...commit.set, [props.name]: 'changed after signing' } });
    await expect(commits.process(forged)).rejects.toMatchObject({ code: 'INVALID_SIGNATURE' });
    await expect(send({ subject: `${SERVER}/genuine`, set: { [props.parent]: SERVER } })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(verdicts).toEqual([false, true]);
    expect(store.get(`${SERVER}/forged`)).toBeUndefined();
  });

  it('skips the preview for commits no gate applies to', async () => {
    let checked = 0;
    commits.addGate({ applies: (commit) => commit.subject.endsWith('/watched'), check: async () => void checked++ });
    await send({ subject: `${SERVER}/ignored`, set: { [props.parent]: SERVER } });
    await send({ subject: `${SERVER}/watched`, set: { [props.parent]: SERVER } });
    expect(checked).toBe(1);
  });

  it('writes nothing when a gate refuses', async () => {
    const remove = commits.addGate({
      applies: () => true,
      check: async () => {
        throw new AtomicError('FORBIDDEN', 'refused by a gate');
      },
    });
    await expect(send({ subject: `${SERVER}/b`, set: { [props.parent]: SERVER, [props.name]: 'B' } })).rejects.toThrow('refused by a gate');
    expect(store.get(`${SERVER}/b`)).toBeUndefined();
    remove();
    await send({ subject: `${SERVER}/b`, set: { [props.parent]: SERVER, [props.name]: 'B' } });
    expect(store.get(`${SERVER}/b`)?.[props.name]).toBe('B');
  });

  it('refuses a commit whose resource changed while a gate was deciding', async () => {
    const subject = `${SERVER}/c`;
    await send({ subject, set: { [props.parent]: SERVER, [props.name]: 'v1' } });
    let interleaved = false;
    commits.addGate({
      applies: () => true,
      check: async (preview) => {
        if (preview.commit.set?.[props.name] === 'slow' && !interleaved) {
          interleaved = true;
          await send({ subject, set: { [props.name]: 'fast' } });
        }
      },
    });
    await expect(send({ subject, set: { [props.name]: 'slow' } })).rejects.toMatchObject({ code: 'PREVIOUS_COMMIT_MISMATCH' });
    expect(store.get(subject)?.[props.name]).toBe('fast');
  });
});

describe('CommitProcessor batches', () => {
  let dir: string;
  let store: LmdbStore;
  let events: HostEvents;
  let commits: CommitProcessor;
  let owner: AgentIdentity;
  const signed = (changes: CommitChanges, agent: AgentIdentity = owner, at = Date.now()) => commitToPropVals(signCommit(changes, agent, at));
  const create = (name: string, parent = SERVER): CommitChanges => ({ subject: `${SERVER}/${name}`, set: { [props.parent]: parent, [props.name]: name } });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'commits-'));
    store = LmdbStore.open(join(dir, 'store'));
    events = new HostEvents();
    commits = new CommitProcessor(store, SERVER, events);
    owner = (await initialize(store, commits, SERVER, dir)).owner;
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows each commit to the gates on the state the earlier ones leave, then writes all and fires their events in order', async () => {
    const before: unknown[] = [];
    commits.addGate({ applies: () => true, check: async (preview) => void before.push(preview.before?.[props.name]) });
    const fired: string[] = [];
    events.onCommitApplied((event) => fired.push(event.commit.subject));
    const applied = await commits.processBatch([signed(create('p')), signed({ subject: `${SERVER}/p`, set: { [props.name]: 'renamed' } }), signed(create('p/kid', `${SERVER}/p`))]);
    expect(before).toEqual([undefined, 'p', undefined]);
    expect(fired).toEqual([`${SERVER}/p`, `${SERVER}/p`, `${SERVER}/p/kid`]);
    expect(store.get(`${SERVER}/p`)?.[props.name]).toBe('renamed');
    expect(store.get(`${SERVER}/p`)?.[props.lastCommit]).toBe(applied[1]!.commitId);
    expect(store.get(applied[2]!.commitId)).toBeDefined();
  });

  it('records on each stored commit the commit applied to its resource just before it, unsigned', async () => {
    const appliedAfter = localProps(SERVER).appliedAfter;
    // The second is signed "earlier" and names no previousCommit: only the server knows it came second.
    const [first] = await commits.processBatch([signed(create('ordered'))]);
    const second = await commits.process(signed({ subject: `${SERVER}/ordered`, set: { [props.name]: 'two' } }, owner, Date.now() - 60_000));
    const [third, fourth] = await commits.processBatch([signed({ subject: `${SERVER}/ordered`, set: { [props.name]: 'three' } }), signed({ subject: `${SERVER}/ordered`, destroy: true })]);
    expect(store.get(first!.commitId)?.[appliedAfter]).toBeUndefined();
    expect(store.get(second.commitId)?.[appliedAfter]).toBe(first!.commitId);
    expect(store.get(third!.commitId)?.[appliedAfter]).toBe(second.commitId);
    expect(store.get(fourth!.commitId)?.[appliedAfter]).toBe(third!.commitId);
    // The answer is the commit as stored; what was signed is unchanged.
    expect(second.commitPropVals).toEqual(store.get(second.commitId));
    expect(verifyCommitSignature(parseCommit(Object.fromEntries(Object.entries(second.commitPropVals).filter(([p]) => p !== appliedAfter)), SERVER), owner.publicKey)).toBe(true);
  });

  it('writes nothing when a later commit is refused, and names it', async () => {
    const stranger = createAgentIdentity(SERVER);
    await commits.process(signed({ subject: stranger.subject, set: { [props.isA]: [classes.agent], [props.publicKey]: stranger.publicKey } }, stranger));
    // No gate: the transaction alone checks, all or nothing.
    const refused = commits.processBatch([signed(create('first')), signed(create('second'), stranger)]);
    await expect(refused).rejects.toBeInstanceOf(CommitBatchError);
    await expect(refused).rejects.toMatchObject({ code: 'FORBIDDEN', index: 1, subject: `${SERVER}/second` });
    expect(store.get(`${SERVER}/first`)).toBeUndefined();
    // With a gate, the previews refuse it before anything is written.
    commits.addGate({ applies: () => true, check: async () => {} });
    await expect(commits.processBatch([signed(create('third')), signed(create('fourth'), stranger)])).rejects.toMatchObject({ index: 1 });
    expect(store.get(`${SERVER}/third`)).toBeUndefined();
  });

  it('refuses a batch larger than MAX_BATCH_COMMITS before looking at it, and reports single commits without an index', async () => {
    await expect(commits.processBatch(Array.from({ length: MAX_BATCH_COMMITS + 1 }, () => ({})))).rejects.toMatchObject({ code: 'TOO_MANY_COMMITS' });
    const single = commits.process(signed({ subject: 'http://elsewhere.example/x', set: { [props.name]: 'x' } }));
    await expect(single).rejects.toMatchObject({ code: 'FOREIGN_SUBJECT' });
    await expect(single).rejects.not.toBeInstanceOf(CommitBatchError);
  });

  it('takes a commit made on behalf of an agent only when the caller vouches for it, and checks both agents\' rights', async () => {
    const requester = createAgentIdentity(SERVER);
    await commits.process(signed({ subject: requester.subject, set: { [props.isA]: [classes.agent], [props.publicKey]: requester.publicKey } }, requester));
    const onBehalfOf = { property: localProps(SERVER).onBehalfOf, agent: requester.subject };
    const body = signed({ ...create('for-requester'), onBehalfOf });
    await expect(commits.process(body)).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('only a plugin serving') });
    await expect(commits.process(body, { onBehalfOf: requester.subject })).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining(`${requester.subject} may not create`) });
    expect(store.get(`${SERVER}/for-requester`)).toBeUndefined();
    await commits.process(signed({ subject: SERVER, push: { [props.append]: [requester.subject] } }));
    const applied = await commits.process(signed({ ...create('for-requester'), onBehalfOf }), { onBehalfOf: requester.subject });
    expect(applied.commitPropVals[onBehalfOf.property]).toBe(requester.subject);
  });
});
