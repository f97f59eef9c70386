import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentIdentity } from './atomic/agent.js';
import { commitToPropVals, signCommit, type CommitChanges } from './atomic/commit.js';
import { AtomicError } from './atomic/errors.js';
import { props } from './atomic/urls.js';
import { CommitProcessor } from './commits.js';
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
