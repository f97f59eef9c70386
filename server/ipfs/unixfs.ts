// IPFS content addressing for plugin packages, shared by the server and the CLI: the UnixFS import
// options that give the same CIDs as Kubo's defaults, a CID computed without storing anything, and
// an embedded node that is nothing but a `blockstore-fs` folder (no libp2p, no network).

import { unixfs, type UnixFS } from '@helia/unixfs';
import { FsBlockstore } from 'blockstore-fs';
import { importBytes, type ImporterOptions, type WritableStorage } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';
import { CID } from 'multiformats/cid';

/** Why an IPFS operation failed: a malformed CID, content not held, or bytes that do not match. */
export type IpfsErrorCode = 'INVALID_CID' | 'CID_NOT_FOUND' | 'CID_MISMATCH' | 'TOO_LARGE' | 'IPFS_UNAVAILABLE';

/** An IPFS failure callers are expected to catch and explain. */
export class IpfsError extends Error {
  readonly code: IpfsErrorCode;

  constructor(code: IpfsErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IpfsError';
    this.code = code;
  }
}

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

/** Adding and getting bytes by CID: the embedded node, or a Kubo node over its RPC API. */
export interface IpfsNode {
  /** Where the content lives, for messages (a folder or an RPC URL). */
  readonly location: string;
  /** Adds bytes with {@link kuboImportOptions}; resolves to their CID (v0). */
  add(bytes: Uint8Array): Promise<CID>;
  /** The bytes of a file by CID; IpfsError CID_NOT_FOUND when the node does not have it. */
  get(cid: CID, options?: { maxBytes?: number }): Promise<Uint8Array>;
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

  private constructor(dir: string, blockstore: DedupingFsBlockstore) {
    this.location = dir;
    this.#blockstore = blockstore;
    this.#fs = unixfs({ blockstore });
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

  async get(cid: CID, options: { maxBytes?: number } = {}): Promise<Uint8Array> {
    if (!(await this.#blockstore.has(cid))) throw new IpfsError('CID_NOT_FOUND', `${cid.toString()} is not in ${this.location}`);
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for await (const chunk of this.#fs.cat(cid, { offline: true })) {
        size += chunk.length;
        if (options.maxBytes !== undefined && size > options.maxBytes) throw new IpfsError('TOO_LARGE', `${cid.toString()} is larger than ${options.maxBytes} bytes`);
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof IpfsError) throw error;
      throw new IpfsError('CID_NOT_FOUND', `${cid.toString()} cannot be read from ${this.location}: ${(error as Error).message}`, { cause: error });
    }
    return concat(chunks, size);
  }

  async close(): Promise<void> {
    await this.#blockstore.close();
  }
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
