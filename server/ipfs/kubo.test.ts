// The Kubo adapter against a stand-in for Kubo's RPC API (no Kubo binary can run here,
// test/support/kubo-stand-in.ts): it checks what the adapter asks Kubo for (the import options that
// make CIDs match, ranges, pins, garbage collection), and that it reads `cat` answers within the
// size limit. The stand-in answers with CIDs computed by unixfs.ts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKuboStandIn, type KuboStandIn } from '../../test/support/kubo-stand-in.js';
import { KuboIpfs } from './kubo.js';
import { computeCid, parseCid } from './unixfs.js';

const hello = new TextEncoder().encode('hello world\n');
const HELLO_CID = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o';

describe('KuboIpfs', () => {
  let kubo: KuboStandIn;

  beforeAll(async () => {
    kubo = await startKuboStandIn();
  });
  afterAll(() => kubo.close());

  it('adds with Kubo\'s default import options spelled out, and returns the CID Kubo answers', async () => {
    const node = new KuboIpfs(kubo.url);
    const cid = await node.add(hello);
    expect(cid.toString()).toBe(HELLO_CID);
    const add = kubo.calls.find((c) => c.path === '/api/v0/add')!;
    expect(add.params.get('cid-version')).toBe('0');
    expect(add.params.get('raw-leaves')).toBe('false');
    expect(add.params.get('chunker')).toBe('size-262144');
    expect(add.params.get('trickle')).toBe('false');
  });

  it('cats by CID and by range, stats, and reports a missing block as IPFS_UNAVAILABLE with Kubo\'s message', async () => {
    const node = new KuboIpfs(kubo.url);
    expect(new TextDecoder().decode(await node.get(parseCid(HELLO_CID)))).toBe('hello world\n');
    expect(new TextDecoder().decode(await node.get(parseCid(HELLO_CID), { offset: 6, length: 5 }))).toBe('world');
    const cat = kubo.calls.filter((c) => c.path === '/api/v0/cat').pop()!;
    expect([cat.params.get('offset'), cat.params.get('length')]).toEqual(['6', '5']);
    expect(await node.stat(parseCid(HELLO_CID))).toMatchObject({ type: 'file', size: 12 });
    await expect(node.get(parseCid(HELLO_CID), { maxBytes: 4 })).rejects.toMatchObject({ code: 'TOO_LARGE' });
    const missing = await computeCid(new TextEncoder().encode('absent'));
    await expect(node.get(missing)).rejects.toMatchObject({ code: 'IPFS_UNAVAILABLE', message: expect.stringContaining('not found') });
  });

  it('pins, lists pins, unpins (false when not pinned) and collects garbage in Kubo', async () => {
    const node = new KuboIpfs(kubo.url);
    const cid = parseCid(HELLO_CID);
    await node.pin(cid);
    expect((await node.pins()).map(String)).toEqual([HELLO_CID]);
    expect(await node.unpin(cid)).toBe(true);
    expect(await node.unpin(cid)).toBe(false);
    expect(await node.gc()).toBe(1);
    expect(kubo.content.size).toBe(0);
  });
});
