import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dagPb from '@ipld/dag-pb';
import { FsBlockstore } from 'blockstore-fs';
import { UnixFS } from 'ipfs-unixfs';
import { afterAll, describe, expect, it } from 'vitest';
import { assertCid, computeCid, EmbeddedIpfs, IpfsError, KUBO_CHUNK_SIZE, parseCid } from './unixfs.js';

const hello = new TextEncoder().encode('hello world\n');
// 1,000,000 bytes that do not repeat within a chunk: four leaves under one balanced root.
const big = Uint8Array.from({ length: 1_000_000 }, (_, i) => (i * 7 + (i >> 11)) % 251);

describe('Kubo-compatible CIDs', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('"hello world\\n" gives the CID `ipfs add` gives', async () => {
    const cid = await computeCid(hello);
    expect(cid.version).toBe(0);
    expect(cid.toString()).toBe('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o');
  });

  it('a multi-chunk file is CIDv0, deterministic, and laid out as Kubo does (dag-pb leaves of 262144 bytes)', async () => {
    const cid = await computeCid(big);
    expect(cid.version).toBe(0);
    expect((await computeCid(big.slice())).toString()).toBe(cid.toString());
    const dir = mkdtempSync(join(tmpdir(), 'ipfs-test-'));
    dirs.push(dir);
    const node = await EmbeddedIpfs.open(dir);
    expect((await node.add(big)).toString()).toBe(cid.toString());
    // The root is a dag-pb UnixFS file node with one link per chunk; the leaves are dag-pb too (no raw leaves).
    const blocks = readdirSync(dir, { recursive: true }).filter((f) => typeof f === 'string' && f.endsWith('.data'));
    expect(blocks).toHaveLength(5);
    const store = new FsBlockstore(dir);
    await store.open();
    const raw: Uint8Array[] = [];
    for await (const chunk of store.get(cid)) raw.push(chunk);
    const rootBlock = dagPb.decode(Buffer.concat(raw));
    expect(rootBlock.Links).toHaveLength(4);
    expect(rootBlock.Links.every((l) => l.Hash.version === 0 && l.Hash.code === dagPb.code)).toBe(true);
    const file = UnixFS.unmarshal(rootBlock.Data!);
    expect(file.type).toBe('file');
    expect(file.blockSizes.map(Number)).toEqual([KUBO_CHUNK_SIZE, KUBO_CHUNK_SIZE, KUBO_CHUNK_SIZE, 1_000_000 - 3 * KUBO_CHUNK_SIZE]);
    expect(Buffer.from(await node.get(cid)).equals(Buffer.from(big))).toBe(true);
    await node.close();
  });

  it('the embedded node adds duplicate chunks without stalling and gets the bytes back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipfs-test-'));
    dirs.push(dir);
    const node = await EmbeddedIpfs.open(dir);
    const zeros = new Uint8Array(5 * KUBO_CHUNK_SIZE);
    const started = Date.now();
    const cid = await node.add(zeros);
    await node.add(zeros);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect((await node.get(cid)).length).toBe(zeros.length);
    expect((await node.add(hello)).toString()).toBe('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o');
    await node.close();
  });

  it('an unknown CID is CID_NOT_FOUND; bytes that do not match are CID_MISMATCH; junk is INVALID_CID', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipfs-test-'));
    dirs.push(dir);
    const node = await EmbeddedIpfs.open(dir);
    await expect(node.get(await computeCid(big))).rejects.toMatchObject({ code: 'CID_NOT_FOUND' });
    await node.close();
    await expect(assertCid(big, 'ipfs://QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')).rejects.toMatchObject({ code: 'CID_MISMATCH' });
    await expect(assertCid(hello, parseCid('ipfs://QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o').toV1())).resolves.toBeDefined();
    expect(() => parseCid('ipfs://not-a-cid')).toThrow(IpfsError);
  });

  it('reads a byte range and stats a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipfs-test-'));
    dirs.push(dir);
    const node = await EmbeddedIpfs.open(dir);
    const cid = await node.add(big);
    expect(await node.stat(cid)).toMatchObject({ type: 'file', size: big.length });
    const part = await node.get(cid, { offset: KUBO_CHUNK_SIZE - 10, length: 20 });
    expect(Buffer.from(part).equals(Buffer.from(big.subarray(KUBO_CHUNK_SIZE - 10, KUBO_CHUNK_SIZE + 10)))).toBe(true);
    await node.close();
  });
});

describe('pins and garbage collection of the embedded node', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const blockCount = (dir: string): number => readdirSync(dir, { recursive: true }).filter((f) => typeof f === 'string' && f.endsWith('.data')).length;

  it('keeps what is pinned (across a reopen), collects the rest, and refuses to pin what it lacks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipfs-test-'));
    dirs.push(dir);
    let node = await EmbeddedIpfs.open(dir);
    const kept = await node.add(big);
    const dropped = await node.add(hello);
    await node.pin(kept);
    // Pinned as CIDv1, it is the same content.
    await node.pin(kept.toV1());
    expect((await node.pins()).map(String)).toEqual([kept.toString()]);
    await node.close();
    node = await EmbeddedIpfs.open(dir);
    expect((await node.pins()).map(String)).toEqual([kept.toString()]);
    expect(blockCount(dir)).toBe(6);
    expect(await node.gc()).toBe(1);
    await expect(node.get(dropped)).rejects.toMatchObject({ code: 'CID_NOT_FOUND' });
    expect(Buffer.from(await node.get(kept)).equals(Buffer.from(big))).toBe(true);
    await expect(node.pin(dropped)).rejects.toMatchObject({ code: 'CID_NOT_FOUND' });
    expect(await node.unpin(dropped)).toBe(false);
    expect(await node.unpin(kept.toV1())).toBe(true);
    expect(await node.gc()).toBe(5);
    expect(blockCount(dir)).toBe(0);
    await node.close();
  });
});
