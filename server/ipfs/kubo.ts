// A Kubo node's RPC API as an IpfsNode, through the maintained `kubo-rpc-client`. A thin adapter:
// no Kubo binary can run on our CI machines, so the tests run it against a stand-in for the RPC
// API only (kubo.test.ts, test/cli-publish.test.ts), never a real Kubo. The bytes it returns are
// checked against their CID by the caller (assertCid) where that matters, so a node that answers
// wrongly cannot slip a package in.

import { create, type KuboRPCClient } from 'kubo-rpc-client';
import type { CID } from 'multiformats/cid';
import { concat, IpfsError, KUBO_CHUNK_SIZE, pick, type IpfsNode, type IpfsStat, type ReadOptions } from './unixfs.js';

/** How long one RPC call may take. */
const KUBO_TIMEOUT_MS = 60_000;

/** A Kubo node at `apiUrl` (e.g. http://127.0.0.1:5001), adding with Kubo's own default import options. */
export class KuboIpfs implements IpfsNode {
  readonly location: string;
  readonly #client: KuboRPCClient;

  constructor(apiUrl: string) {
    this.location = apiUrl;
    this.#client = create({ url: apiUrl, timeout: KUBO_TIMEOUT_MS });
  }

  async add(bytes: Uint8Array): Promise<CID> {
    try {
      // Spelled out rather than left to the node's config, which may differ (e.g. a CIDv1 profile).
      // Kubo pins what it adds by default; the CLI relies on that.
      const result = await this.#client.add(bytes, { cidVersion: 0, rawLeaves: false, chunker: `size-${KUBO_CHUNK_SIZE}`, trickle: false, pin: true });
      return result.cid;
    } catch (error) {
      throw unavailable(this.location, error);
    }
  }

  async get(cid: CID, options: ReadOptions = {}): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const { path, ...range } = pick(options);
    try {
      for await (const chunk of this.#client.cat(path ? ipfsPath(cid, path) : cid, { timeout: KUBO_TIMEOUT_MS, ...range })) {
        size += chunk.length;
        if (options.maxBytes !== undefined && size > options.maxBytes) throw new IpfsError('TOO_LARGE', `${cid.toString()} is larger than ${options.maxBytes} bytes`);
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof IpfsError) throw error;
      throw unavailable(this.location, error);
    }
    return concat(chunks, size);
  }

  async stat(cid: CID, path?: string): Promise<IpfsStat> {
    try {
      const stat = await this.#client.files.stat(ipfsPath(cid, path));
      return { cid: stat.cid, type: stat.type, size: stat.size };
    } catch (error) {
      throw unavailable(this.location, error);
    }
  }

  async pin(cid: CID): Promise<void> {
    try {
      await this.#client.pin.add(cid, { recursive: true });
    } catch (error) {
      throw unavailable(this.location, error);
    }
  }

  async unpin(cid: CID): Promise<boolean> {
    try {
      await this.#client.pin.rm(cid, { recursive: true });
      return true;
    } catch (error) {
      if (/not pinned/i.test((error as Error).message)) return false;
      throw unavailable(this.location, error);
    }
  }

  async pins(): Promise<CID[]> {
    const roots: CID[] = [];
    try {
      for await (const pin of this.#client.pin.ls({ type: 'recursive' })) roots.push(pin.cid);
    } catch (error) {
      throw unavailable(this.location, error);
    }
    return roots;
  }

  async gc(): Promise<number> {
    let removed = 0;
    try {
      for await (const result of this.#client.repo.gc()) if (result.cid) removed += 1;
    } catch (error) {
      throw unavailable(this.location, error);
    }
    return removed;
  }

  async close(): Promise<void> {}
}

function ipfsPath(cid: CID, path: string | undefined): string {
  return path ? `/ipfs/${cid.toString()}/${path}` : `/ipfs/${cid.toString()}`;
}

function unavailable(location: string, error: unknown): IpfsError {
  return new IpfsError('IPFS_UNAVAILABLE', `the Kubo RPC API at ${location} failed: ${(error as Error).message}`, { cause: error });
}
