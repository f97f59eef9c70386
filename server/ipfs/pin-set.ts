// Pins and garbage collection for the embedded node, which has neither (it is a bare blockstore,
// not a Helia node): the pinned roots are kept in a JSON file beside the blocks, a pin checks that
// the whole DAG below its root is there, and a collection deletes every block no pin reaches.
// DAGs are walked through dag-pb links, the only links `ipfs add` makes; raw blocks have none.

import { readFile, rename, writeFile } from 'node:fs/promises';
import * as dagPb from '@ipld/dag-pb';
import { CID } from 'multiformats/cid';
import { IpfsError } from './errors.js';

/** What the pin set needs of a blockstore (blockstore-fs 4's API). */
export interface PinnableBlockstore {
  has(cid: CID): Promise<boolean>;
  get(cid: CID): AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  getAll(): AsyncIterable<{ cid: CID }> | Iterable<{ cid: CID }>;
  delete(cid: CID): Promise<void>;
}

/** The pinned roots of a blockstore, persisted in `file`. */
export class PinSet {
  readonly #blocks: PinnableBlockstore;
  readonly #file: string;
  #roots: Map<string, CID> | undefined;

  constructor(blocks: PinnableBlockstore, file: string) {
    this.#blocks = blocks;
    this.#file = file;
  }

  async add(cid: CID): Promise<void> {
    await this.#reachable([cid]);
    const roots = await this.#load();
    if (pinnedAs(roots, cid) !== undefined) return;
    roots.set(cid.toString(), cid);
    await this.#save(roots);
  }

  async remove(cid: CID): Promise<boolean> {
    const roots = await this.#load();
    const key = pinnedAs(roots, cid);
    if (key === undefined) return false;
    roots.delete(key);
    await this.#save(roots);
    return true;
  }

  async list(): Promise<CID[]> {
    return [...(await this.#load()).values()];
  }

  /** Deletes the blocks no pinned root reaches; resolves to how many. */
  async collectGarbage(): Promise<number> {
    const keep = await this.#reachable([...(await this.#load()).values()]);
    const doomed: CID[] = [];
    for await (const { cid } of this.#blocks.getAll()) if (!keep.has(blockKey(cid))) doomed.push(cid);
    for (const cid of doomed) await this.#blocks.delete(cid);
    return doomed.length;
  }

  /** The blocks below `roots` (by multihash); CID_NOT_FOUND when one is missing. */
  async #reachable(roots: readonly CID[]): Promise<Set<string>> {
    const seen = new Set<string>();
    const queue = [...roots];
    for (let cid = queue.pop(); cid !== undefined; cid = queue.pop()) {
      const key = blockKey(cid);
      if (seen.has(key)) continue;
      if (!(await this.#blocks.has(cid))) throw new IpfsError('CID_NOT_FOUND', `block ${cid.toString()} (below ${roots.map(String).join(', ')}) is not held here`);
      seen.add(key);
      if (cid.code !== dagPb.code) continue;
      const chunks: Uint8Array[] = [];
      for await (const chunk of this.#blocks.get(cid)) chunks.push(chunk);
      for (const link of dagPb.decode(Buffer.concat(chunks)).Links) queue.push(link.Hash);
    }
    return seen;
  }

  async #load(): Promise<Map<string, CID>> {
    if (this.#roots) return this.#roots;
    let listed: string[] = [];
    try {
      listed = (JSON.parse(await readFile(this.#file, 'utf8')) as { pins: string[] }).pins;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    this.#roots = new Map(listed.map((s) => [s, CID.parse(s)]));
    return this.#roots;
  }

  // Written aside and renamed: a crash leaves the old list or the new one, never half of one.
  async #save(roots: Map<string, CID>): Promise<void> {
    await writeFile(`${this.#file}.tmp`, JSON.stringify({ pins: [...roots.keys()] }));
    await rename(`${this.#file}.tmp`, this.#file);
  }
}

/** The key `cid`'s content is pinned under: the same content may be pinned as a CIDv0 or a CIDv1. */
function pinnedAs(roots: Map<string, CID>, cid: CID): string | undefined {
  return [...roots.entries()].find(([, pinned]) => pinned.code === cid.code && blockKey(pinned) === blockKey(cid))?.[0];
}

/** Blocks are stored by multihash: a CIDv0 and its CIDv1 name the same block. */
function blockKey(cid: CID): string {
  return Buffer.from(cid.multihash.bytes).toString('hex');
}

