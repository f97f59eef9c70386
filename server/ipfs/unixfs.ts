// IPFS content addressing, shared by the server (plugin packages), the CLI (`publish`) and the IPFS
// storage plugin (plugins/ipfs, through `atomic-plugin/ipfs`): the UnixFS import options that give
// the same CIDs as Kubo's defaults, a CID computed without storing anything, and an embedded node
// that is nothing but a `blockstore-fs` folder (no libp2p, no network) with its own pins.

import { join } from 'node:path';
import { unixfs, type UnixFS } from '@helia/unixfs';
import { FsBlockstore } from 'blockstore-fs';
import { importBytes, type ImporterOptions, type WritableStorage } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';
import { CID } from 'multiformats/cid';
import { IpfsError } from './errors.js';
import { PinSet } from './pin-set.js';

export { IpfsError, type IpfsErrorCode } from './errors.js';

/** Kubo's `ipfs add` chunk size (`size-262144`). */
export const KUBO_CHUNK_SIZE = 262_144;
/** Kubo's balanced layout puts at most this many links in one node. */
export const KUBO_MAX_CHILDREN = 174;

/**
 * Import options that reproduce `ipfs add` on Kubo with its defaults: CIDv0, no raw leaves, fixed
 * 262144-byte chunks, balanced layout with 174 children per node. Helia's own defaults (CIDv1, raw
 * leaves, 1 MiB chunks) give other CIDs for the same bytes, so a package published with Kubo and
 * one added here would not be recognised as the same.
 */
export function kuboImportOptions(): ImporterOptions {
  return {
    cidVersion: 0,
    rawLeaves: false,
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: KUBO_CHUNK_SIZE }),
    layout: balanced({ maxChildrenPerNode: KUBO_MAX_CHILDREN }),
  };
}

/**
 * Parses a CID given as `ipfs://<cid>`, `/ipfs/<cid>` or bare; IpfsError INVALID_CID otherwise.
 *
 * @example parseCid('ipfs://QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o').version // 0
 */
export function parseCid(value: string): CID {
  const bare = value.replace(/^ipfs:\/\//i, '').replace(/^\/ipfs\//, '').replace(/\/+$/, '');
  try {
    return CID.parse(bare);
  } catch (error) {
    throw new IpfsError('INVALID_CID', `${JSON.stringify(value)} is not a CID: ${(error as Error).message}`, { cause: error });
  }
}

/** True when two CIDs name the same content (a CIDv0 and its CIDv1 dag-pb form are the same). */
export function sameContent(a: CID, b: CID): boolean {
  return a.code === b.code && a.multihash.code === b.multihash.code && equalBytes(a.multihash.digest, b.multihash.digest);
}

/** The CID `ipfs add` (Kubo defaults) gives `bytes`, computed without storing a block. */
export async function computeCid(bytes: Uint8Array): Promise<CID> {
  const discard: WritableStorage = { put: async (cid) => cid };
  const { cid } = await importBytes(bytes, discard, kuboImportOptions());
  return cid;
}

/**
 * Throws IpfsError CID_MISMATCH unless `bytes` are the content of `expected`: the only thing that
 * makes content fetched by CID trustworthy is recomputing its address.
 */
export async function assertCid(bytes: Uint8Array, expected: CID | string): Promise<CID> {
  const want = typeof expected === 'string' ? parseCid(expected) : expected;
  const got = await computeCid(bytes);
  if (!sameContent(got, want)) {
    throw new IpfsError('CID_MISMATCH', `the ${bytes.length} bytes have the CID ${got.toString()}, not ${want.toString()} (imported as Kubo's \`ipfs add\` does by default)`);
  }
  return got;
}

/** How much of a file to read: a byte range, a path inside a directory, a size limit. */
export interface ReadOptions {
  /** Fail with TOO_LARGE past this many bytes. */
  maxBytes?: number;
  /** The first byte to read. */
  offset?: number;
  /** How many bytes to read from `offset`. */
  length?: number;
  /** A path below the CID when it is a directory (`a/b.txt`). */
  path?: string;
}

/** What a CID (and path) names: a file of `size` bytes, or a directory. */
export interface IpfsStat {
  cid: CID;
  type: 'file' | 'directory';
  size: number;
}

/** Adding and getting bytes by CID, and pinning: the embedded node, or a Kubo node over its RPC API. */
export interface IpfsNode {
  /** Where the content lives, for messages (a folder or an RPC URL). */
  readonly location: string;
  /** Adds bytes with {@link kuboImportOptions}; resolves to their CID (v0). Kubo pins what it adds, the embedded node does not: pin to keep it. */
  add(bytes: Uint8Array): Promise<CID>;
  /** The bytes of a file by CID (or a part of it); IpfsError CID_NOT_FOUND when the node does not have it. */
  get(cid: CID, options?: ReadOptions): Promise<Uint8Array>;
  /** What `cid` (and `path` below it) is; CID_NOT_FOUND when the node does not have it. */
  stat(cid: CID, path?: string): Promise<IpfsStat>;
  /** Keeps `cid` and every block below it through garbage collections; CID_NOT_FOUND when a block is missing. */
  pin(cid: CID): Promise<void>;
  /** Lets `cid` go at the next garbage collection; false when it was not pinned. */
  unpin(cid: CID): Promise<boolean>;
  /** The pinned roots. */
  pins(): Promise<CID[]>;
  /** Deletes every block no pin reaches; resolves to how many blocks went. */
  gc(): Promise<number>;
  close(): Promise<void>;
}

// blockstore-fs 4.0.1 stalls for about a second on every duplicate block within one import
// (a package with repeated chunks, or one added twice), so a block it holds is not written again.
class DedupingFsBlockstore extends FsBlockstore {
  override async put(key: CID, val: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<CID> {
    if (await this.has(key)) return key;
    return super.put(key, val);
  }
}

/** The embedded node: a `blockstore-fs` folder, read and written locally, never networked. */
export class EmbeddedIpfs implements IpfsNode {
  readonly location: string;
  readonly #blockstore: DedupingFsBlockstore;
  readonly #fs: UnixFS;
  readonly #pins: PinSet;

  private constructor(dir: string, blockstore: DedupingFsBlockstore) {
    this.location = dir;
    this.#blockstore = blockstore;
    this.#fs = unixfs({ blockstore });
    // Beside the blocks (`*.data` files, which are all the blockstore lists), so they go together.
    this.#pins = new PinSet(blockstore, join(dir, 'pins.json'));
  }

  /** Opens (creating if needed) the blockstore in `dir`. */
  static async open(dir: string): Promise<EmbeddedIpfs> {
    const blockstore = new DedupingFsBlockstore(dir);
    await blockstore.open();
    return new EmbeddedIpfs(dir, blockstore);
  }

  async add(bytes: Uint8Array): Promise<CID> {
    const { cid } = await importBytes(bytes, this.#blockstore, kuboImportOptions());
    return cid;
  }

  /** True when the root block of `cid` is held here. */
  async has(cid: CID): Promise<boolean> {
    return this.#blockstore.has(cid);
  }

  async get(cid: CID, options: ReadOptions = {}): Promise<Uint8Array> {
    await this.#mustHave(cid);
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for await (const chunk of this.#fs.cat(cid, { offline: true, ...pick(options) })) {
        size += chunk.length;
        if (options.maxBytes !== undefined && size > options.maxBytes) throw new IpfsError('TOO_LARGE', `${cid.toString()} is larger than ${options.maxBytes} bytes`);
        chunks.push(chunk);
      }
    } catch (error) {
      throw this.#readError(cid, error);
    }
    return concat(chunks, size);
  }

  async stat(cid: CID, path?: string): Promise<IpfsStat> {
    await this.#mustHave(cid);
    try {
      const stat = await this.#fs.stat(cid, { offline: true, ...(path ? { path } : {}) });
      return { cid: stat.cid, type: stat.type === 'directory' ? 'directory' : 'file', size: Number(stat.size) };
    } catch (error) {
      throw this.#readError(cid, error);
    }
  }

  pin(cid: CID): Promise<void> {
    return this.#pins.add(cid);
  }

  unpin(cid: CID): Promise<boolean> {
    return this.#pins.remove(cid);
  }

  async pins(): Promise<CID[]> {
    return this.#pins.list();
  }

  gc(): Promise<number> {
    return this.#pins.collectGarbage();
  }

  async close(): Promise<void> {
    await this.#blockstore.close();
  }

  async #mustHave(cid: CID): Promise<void> {
    if (!(await this.#blockstore.has(cid))) throw new IpfsError('CID_NOT_FOUND', `${cid.toString()} is not in ${this.location}`);
  }

  #readError(cid: CID, error: unknown): IpfsError {
    if (error instanceof IpfsError) return error;
    const name = (error as Error).name;
    if (name === 'NotAFileError') return new IpfsError('NOT_A_FILE', `${cid.toString()} is a directory, not a file`, { cause: error });
    return new IpfsError('CID_NOT_FOUND', `${cid.toString()} cannot be read from ${this.location}: ${(error as Error).message}`, { cause: error });
  }
}

/** The range and path of ReadOptions, as @helia/unixfs and kubo-rpc-client both spell them. */
export function pick(options: ReadOptions): { offset?: number; length?: number; path?: string } {
  return {
    ...(options.offset === undefined ? {} : { offset: options.offset }),
    ...(options.length === undefined ? {} : { length: options.length }),
    ...(options.path ? { path: options.path } : {}),
  };
}

/** Joins chunks into one array. */
export function concat(chunks: readonly Uint8Array[], size = chunks.reduce((n, c) => n + c.length, 0)): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
