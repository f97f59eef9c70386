// The pure half of the versioning plugin: commits read as versions, their order, replaying them,
// and the changes a restore commits. What the server does with them is tested end to end in
// test/versioning.test.ts.

import { describe, expect, it } from 'vitest';
import { applyVersion, changesTo, commitProps, ordered, readVersion, replay, type Version } from './history.js';

const S = 'https://example.com';
const NAME = 'https://atomicdata.dev/properties/name';
const TAGS = 'https://atomicdata.dev/properties/tags';
const ON_BEHALF_OF = `${S}/ontology/on-behalf-of`;

function version(commit: string, createdAt: number, changes: Partial<Version> = {}): Version {
  return { commit: `${S}/commits/${commit}`, createdAt, signer: `${S}/agents/a`, set: {}, remove: [], push: {}, destroy: false, ...changes };
}

describe('readVersion', () => {
  it('reads what a commit changed, who signed it and for whom', () => {
    const read = readVersion(`${S}/commits/x`, {
      [commitProps.subject]: `${S}/note`,
      [commitProps.createdAt]: 5,
      [commitProps.signer]: `${S}/agents/plugin`,
      [commitProps.set]: { [NAME]: 'A' },
      [commitProps.push]: { [TAGS]: [`${S}/t`] },
      [commitProps.previousCommit]: `${S}/commits/w`,
      [ON_BEHALF_OF]: `${S}/agents/b`,
    }, ON_BEHALF_OF);
    expect(read).toEqual({ commit: `${S}/commits/x`, createdAt: 5, signer: `${S}/agents/plugin`, onBehalfOf: `${S}/agents/b`, set: { [NAME]: 'A' }, remove: [], push: { [TAGS]: [`${S}/t`] }, destroy: false, previousCommit: `${S}/commits/w` });
  });

  it('is undefined for what is not a commit', () => {
    expect(readVersion(`${S}/x`, { [NAME]: 'not a commit' }, ON_BEHALF_OF)).toBeUndefined();
  });
});

describe('ordered', () => {
  const commits = (versions: Version[]): string[] => versions.map((v) => v.commit.slice(-1));

  it('puts versions oldest first', () => {
    expect(commits(ordered([version('b', 20), version('a', 10), version('c', 20)]))).toEqual(['a', 'b', 'c']);
  });

  it('puts a version that names its previous commit right after it, whatever the clocks said', () => {
    // d was signed by a clock running behind: by time it would come first. c, signed between a
    // and b, cannot have been applied between them: b says it came right after a.
    const a = version('a', 10);
    const b = version('b', 30, { previousCommit: `${S}/commits/a` });
    const c = version('c', 20);
    const d = version('d', 5, { previousCommit: `${S}/commits/b` });
    expect(commits(ordered([d, c, b, a]))).toEqual(['a', 'b', 'd', 'c']);
    // A previous commit that is not in the list does not hold a version back.
    expect(commits(ordered([version('e', 1, { previousCommit: `${S}/commits/gone` }), a]))).toEqual(['e', 'a']);
  });

  it('follows the order the server recorded (appliedAfter) over the clocks and over a missing previousCommit', () => {
    const a = version('a', 50);
    const b = version('b', 10, { appliedAfter: `${S}/commits/a` });
    const c = version('c', 40, { appliedAfter: `${S}/commits/b`, previousCommit: `${S}/commits/b` });
    // A second life after a destroy starts a chain of its own, placed by its time.
    const d = version('d', 90);
    const e = version('e', 5, { appliedAfter: `${S}/commits/d` });
    expect(commits(ordered([e, c, d, b, a]))).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('reads the recorded order from the server\'s property', () => {
    const APPLIED_AFTER = `${S}/ontology/applied-after`;
    const commit = { [commitProps.createdAt]: 5, [commitProps.signer]: `${S}/agents/a`, [APPLIED_AFTER]: `${S}/commits/w` };
    expect(readVersion(`${S}/commits/x`, commit, ON_BEHALF_OF, APPLIED_AFTER)?.appliedAfter).toBe(`${S}/commits/w`);
    expect(readVersion(`${S}/commits/x`, commit, ON_BEHALF_OF)?.appliedAfter).toBeUndefined();
  });
});

describe('replay', () => {
  const history = [
    version('1', 1, { set: { [NAME]: 'First', [TAGS]: [`${S}/t1`] } }),
    version('2', 2, { push: { [TAGS]: [`${S}/t2`] } }),
    version('3', 3, { set: { [NAME]: 'Third' }, remove: [TAGS] }),
    version('4', 4, { destroy: true }),
    version('5', 5, { set: { [NAME]: 'Again' } }),
  ];

  it('applies set, remove and push as the server does, naming the last commit', () => {
    expect(replay(history, 1)).toEqual({ [NAME]: 'First', [TAGS]: [`${S}/t1`, `${S}/t2`], [commitProps.lastCommit]: `${S}/commits/2` });
    expect(replay(history, 2)).toEqual({ [NAME]: 'Third', [commitProps.lastCommit]: `${S}/commits/3` });
  });

  it('knows a destroyed resource, and one made again after', () => {
    expect(replay(history, 3)).toBeUndefined();
    expect(replay(history, 4)).toEqual({ [NAME]: 'Again', [commitProps.lastCommit]: `${S}/commits/5` });
    expect(applyVersion(undefined, version('6', 6, { push: { [TAGS]: ['x'] } }))).toMatchObject({ [TAGS]: ['x'] });
  });
});

describe('changesTo', () => {
  const last = { [commitProps.lastCommit]: `${S}/commits/9` };
  it('sets what differs and removes what the version lacks, never lastCommit', () => {
    expect(changesTo({ [NAME]: 'Now', [TAGS]: ['x'], ...last }, { [NAME]: 'Then', [commitProps.lastCommit]: `${S}/commits/1` })).toEqual({ set: { [NAME]: 'Then' }, remove: [TAGS], destroy: false });
  });

  it('creates a destroyed resource again, destroys one, and changes nothing when they are the same', () => {
    expect(changesTo(undefined, { [NAME]: 'Then', ...last })).toEqual({ set: { [NAME]: 'Then' }, remove: [], destroy: false });
    expect(changesTo({ [NAME]: 'Now' }, undefined)).toEqual({ set: {}, remove: [], destroy: true });
    expect(changesTo(undefined, undefined)).toBeUndefined();
    expect(changesTo({ [NAME]: 'Same', [TAGS]: ['a'], ...last }, { [NAME]: 'Same', [TAGS]: ['a'] })).toBeUndefined();
  });
});
