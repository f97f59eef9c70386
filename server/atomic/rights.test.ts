import { describe, expect, it } from 'vitest';
import type { PropVals } from './json-ad.js';
import { hasRight, type Right } from './rights.js';
import { props, publicAgent } from './urls.js';

const S = 'http://localhost:9883';
const alice = `${S}/agents/alice`;
const bob = `${S}/agents/bob`;

/** A store of resources and a `get` that counts calls, to prove walks terminate. */
function world(resources: Record<string, PropVals>): { get: (s: string) => PropVals | undefined; calls: () => number } {
  let calls = 0;
  return {
    get: (s) => {
      calls += 1;
      if (calls > 10_000) throw new Error('the walk does not terminate');
      return resources[s];
    },
    calls: () => calls,
  };
}

const drive: PropVals = { [props.read]: [alice], [props.write]: [alice] };
const resources: Record<string, PropVals> = {
  [S]: drive,
  [`${S}/folder`]: { [props.parent]: S, [props.append]: [bob] },
  [`${S}/folder/doc`]: { [props.parent]: `${S}/folder` },
  [`${S}/shared`]: { [props.parent]: S, [props.write]: [bob] },
  [`${S}/shared/deep/deeper`]: { [props.parent]: `${S}/shared/deep` },
  [`${S}/shared/deep`]: { [props.parent]: `${S}/shared` },
  [`${S}/reader`]: { [props.parent]: S, [props.read]: [bob] },
  [`${S}/public`]: { [props.parent]: S, [props.read]: [publicAgent] },
  [`${S}/public/child`]: { [props.parent]: `${S}/public` },
  [`${S}/orphan`]: { [props.parent]: `${S}/missing` },
  [`${S}/loop-a`]: { [props.parent]: `${S}/loop-b` },
  [`${S}/loop-b`]: { [props.parent]: `${S}/loop-a` },
  [`${S}/self`]: { [props.parent]: `${S}/self` },
  [`${S}/odd`]: { [props.parent]: S, [props.write]: 'not an array', [props.read]: [42, { '@id': bob }] },
};

// Each row: resource, agent (undefined: anonymous), right, expected.
const table: [string, string | undefined, Right, boolean][] = [
  // On the drive itself.
  [S, alice, 'read', true],
  [S, alice, 'write', true],
  [S, alice, 'append', true],
  [S, bob, 'read', false],
  [S, undefined, 'read', false],
  // Inherited from an ancestor, several levels up.
  [`${S}/folder/doc`, alice, 'write', true],
  [`${S}/shared/deep/deeper`, alice, 'read', true],
  // append does not give read or write.
  [`${S}/folder`, bob, 'append', true],
  [`${S}/folder/doc`, bob, 'append', true],
  [`${S}/folder`, bob, 'read', false],
  [`${S}/folder`, bob, 'write', false],
  // write implies read and append, and is inherited.
  [`${S}/shared`, bob, 'write', true],
  [`${S}/shared`, bob, 'read', true],
  [`${S}/shared`, bob, 'append', true],
  [`${S}/shared/deep/deeper`, bob, 'write', true],
  [`${S}/shared/deep/deeper`, bob, 'read', true],
  // read does not give write or append.
  [`${S}/reader`, bob, 'read', true],
  [`${S}/reader`, bob, 'write', false],
  [`${S}/reader`, bob, 'append', false],
  // A right on a child does not travel up or sideways.
  [S, bob, 'write', false],
  [`${S}/reader`, undefined, 'read', false],
  // publicAgent stands for everyone, signed in or not, but only for the right it is listed under.
  [`${S}/public`, undefined, 'read', true],
  [`${S}/public`, bob, 'read', true],
  [`${S}/public/child`, undefined, 'read', true],
  [`${S}/public`, undefined, 'write', false],
  [`${S}/public/child`, bob, 'append', false],
  // A missing parent ends the walk.
  [`${S}/orphan`, alice, 'read', false],
  // Malformed right lists grant nothing.
  [`${S}/odd`, bob, 'write', false],
  [`${S}/odd`, bob, 'read', false],
  [`${S}/odd`, alice, 'read', true],
];

describe('hasRight', () => {
  it.each(table)('%s, agent %s, %s → %s', (subject, agent, right, expected) => {
    const { get } = world(resources);
    expect(hasRight(get, resources[subject], agent, right)).toBe(expected);
  });

  it('is false for a resource that does not exist', () => {
    expect(hasRight(world(resources).get, undefined, alice, 'read')).toBe(false);
  });

  it('terminates on parent cycles, including a resource that is its own parent', () => {
    for (const subject of [`${S}/loop-a`, `${S}/self`]) {
      const w = world(resources);
      expect(hasRight(w.get, resources[subject], alice, 'read')).toBe(false);
      expect(w.calls()).toBeLessThanOrEqual(3);
    }
  });

  it('still finds a right granted inside a cycle', () => {
    const cyclic = {
      [`${S}/c1`]: { [props.parent]: `${S}/c2` },
      [`${S}/c2`]: { [props.parent]: `${S}/c1`, [props.read]: [bob] },
    };
    expect(hasRight(world(cyclic).get, cyclic[`${S}/c1`], bob, 'read')).toBe(true);
  });

  it('walks a deep but finite chain to the drive', () => {
    const chain: Record<string, PropVals> = { [S]: drive };
    let parent = S;
    for (let i = 0; i < 30; i++) {
      const subject = `${S}/level-${i}`;
      chain[subject] = { [props.parent]: parent };
      parent = subject;
    }
    expect(hasRight(world(chain).get, chain[parent], alice, 'write')).toBe(true);
    expect(hasRight(world(chain).get, chain[parent], bob, 'read')).toBe(false);
  });
});
