// Uploaded plugin packages, stored content-addressed in the data folder, and the HTTP route that
// takes uploads (POST /plugins/packages) and serves them back (GET /plugins/packages/{sha256}).
// Packages named by an IPFS CID live in the host's own blockstore (`<data-dir>/ipfs/`): an upload
// with `?cid=` is accepted only when the bytes have that CID, so a package is trusted by its
// content address, never by what the client claims.

import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AtomicError } from '../atomic/errors.js';
import { assertCid, EmbeddedIpfs, IpfsError, parseCid } from '../ipfs/unixfs.js';
import { hasRight } from '../atomic/rights.js';
import type { HttpResponse, Route } from '../http/app.js';
import type { StoreReader } from '../store/store.js';

/** The largest package accepted. */
export const MAX_PACKAGE_BYTES = 64 << 20;

const PREFIX = '/plugins/packages';
const SHA256 = /^[0-9a-f]{64}$/;

/** Package files by the SHA-256 of their bytes. */
export class PackageStore {
  readonly #dir: string;
  readonly #ipfsDir: string;
  #ipfs: Promise<EmbeddedIpfs> | undefined;

  constructor(dataDir: string) {
    this.#dir = join(dataDir, 'packages');
    this.#ipfsDir = join(dataDir, 'ipfs');
    mkdirSync(this.#dir, { recursive: true });
  }

  /** The blockstore, opened on first use (most hosts never see an IPFS package). */
  #node(): Promise<EmbeddedIpfs> {
    return (this.#ipfs ??= EmbeddedIpfs.open(this.#ipfsDir));
  }

  /**
   * Stores `bytes` in the blockstore under `cid` after recomputing it with Kubo's import options;
   * AtomicError CID_MISMATCH when they differ, INVALID_QUERY when `cid` is not a CID.
   */
  async putIpfs(bytes: Uint8Array, cid: string): Promise<string> {
    try {
      await assertCid(bytes, parseCid(cid));
    } catch (error) {
      if (error instanceof IpfsError && error.code === 'INVALID_CID') throw new AtomicError('INVALID_QUERY', `cid: ${error.message}`);
      if (error instanceof IpfsError) throw new AtomicError('CID_MISMATCH', error.message);
      throw error;
    }
    return (await (await this.#node()).add(bytes)).toString();
  }

  /**
   * The bytes a Plugin's pluginFile names: an uploaded package URL of this server, or
   * `ipfs://<cid>` held in this host's blockstore. Undefined when this host does not have them.
   */
  async resolve(serverUrl: string, file: string): Promise<Uint8Array | undefined> {
    if (/^ipfs:\/\//i.test(file)) {
      try {
        return await (await this.#node()).get(parseCid(file), { maxBytes: MAX_PACKAGE_BYTES });
      } catch (error) {
        if (error instanceof IpfsError && error.code !== 'IPFS_UNAVAILABLE') return undefined;
        throw error;
      }
    }
    const hash = packageHashFromUrl(serverUrl, file);
    return hash === undefined ? undefined : this.get(hash);
  }

  async close(): Promise<void> {
    const node = this.#ipfs;
    this.#ipfs = undefined;
    if (node) await (await node).close();
  }

  /** Stores `bytes` durably (written, flushed, then renamed into place); returns their SHA-256 (hex). */
  put(bytes: Uint8Array): string {
    const hash = createHash('sha256').update(bytes).digest('hex');
    const path = this.#path(hash);
    if (!existsSync(path)) {
      const temp = `${path}.${process.pid}.tmp`;
      const fd = openSync(temp, 'w', 0o644);
      try {
        writeSync(fd, bytes);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, path);
    }
    return hash;
  }

  /** The bytes stored under `hash`, or undefined. */
  get(hash: string): Uint8Array | undefined {
    if (!SHA256.test(hash)) return undefined;
    const path = this.#path(hash);
    return existsSync(path) ? readFileSync(path) : undefined;
  }

  #path(hash: string): string {
    return join(this.#dir, `${hash}.zip`);
  }
}

/** The URL a stored package is served at. */
export function packageUrl(serverUrl: string, hash: string): string {
  return `${serverUrl}${PREFIX}/${hash}`;
}

/** The hash in a package URL of this server, or undefined when `url` is not one. */
export function packageHashFromUrl(serverUrl: string, url: string): string | undefined {
  const prefix = `${serverUrl}${PREFIX}/`;
  if (!url.startsWith(prefix)) return undefined;
  const hash = url.slice(prefix.length);
  return SHA256.test(hash) ? hash : undefined;
}

const json = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(body),
});

/**
 * POST uploads a package (agents with write on the drive only); GET serves one back.
 * `onUpload` sees every stored upload (the plugin host prepares it ahead of the install).
 */
export function packageRoute(packages: PackageStore, store: StoreReader, serverUrl: string, onUpload: (bytes: Uint8Array) => void = () => {}): Route {
  return {
    matches: (path) => path === PREFIX || path.startsWith(`${PREFIX}/`),
    maxBodyBytes: MAX_PACKAGE_BYTES,
    async handle(request, { agent }) {
      const path = request.url.split('?')[0] ?? '';
      if (request.method === 'POST' && path === PREFIX) {
        if (agent === undefined) throw new AtomicError('UNAUTHORIZED', 'sign the upload as an agent with write rights on the drive');
        if (!hasRight((s) => store.get(s), store.get(serverUrl), agent, 'write')) {
          throw new AtomicError('FORBIDDEN', `${agent} may not upload packages: that needs write rights on the drive`);
        }
        const contentType = String(request.headers['content-type'] ?? '').split(';')[0]?.trim();
        if (contentType !== 'application/zip' && contentType !== 'application/octet-stream') {
          throw new AtomicError('UNSUPPORTED_MEDIA_TYPE', `upload the package zip as application/zip, got ${contentType || 'no content type'}`);
        }
        const body = request.body ?? Buffer.alloc(0);
        if (body.length === 0) throw new AtomicError('INVALID_QUERY', 'the upload is empty');
        const cid = new URLSearchParams(request.url.split('?')[1] ?? '').get('cid');
        if (cid !== null) {
          // Named by its CID: kept in the blockstore, installed as `ipfs://<cid>`.
          const stored = await packages.putIpfs(body, cid);
          onUpload(body);
          return json(201, { '@id': `ipfs://${stored}`, cid: stored, sha256: createHash('sha256').update(body).digest('hex'), size: body.length });
        }
        const hash = packages.put(body);
        onUpload(body);
        return json(201, { '@id': packageUrl(serverUrl, hash), sha256: hash, size: body.length });
      }
      if (request.method === 'GET' || request.method === 'HEAD') {
        const bytes = packages.get(path.slice(PREFIX.length + 1));
        if (!bytes) throw new AtomicError('NOT_FOUND', `no package at ${path}`);
        return { status: 200, headers: { 'content-type': 'application/zip', 'cache-control': 'public, max-age=31536000, immutable' }, body: Buffer.from(bytes) };
      }
      throw new AtomicError('METHOD_NOT_ALLOWED', `POST packages to ${PREFIX} (with ?cid={cid} for an IPFS package); GET them at ${PREFIX}/{sha256}`);
    },
  };
}
