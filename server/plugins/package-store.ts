// Uploaded plugin packages, stored content-addressed in the data folder, and the HTTP route that
// takes uploads (POST /plugins/packages) and serves them back (GET /plugins/packages/{sha256}).

import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AtomicError } from '../atomic/errors.js';
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

  constructor(dataDir: string) {
    this.#dir = join(dataDir, 'packages');
    mkdirSync(this.#dir, { recursive: true });
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
        const hash = packages.put(body);
        onUpload(body);
        return json(201, { '@id': packageUrl(serverUrl, hash), sha256: hash, size: body.length });
      }
      if (request.method === 'GET' || request.method === 'HEAD') {
        const bytes = packages.get(path.slice(PREFIX.length + 1));
        if (!bytes) throw new AtomicError('NOT_FOUND', `no package at ${path}`);
        return { status: 200, headers: { 'content-type': 'application/zip', 'cache-control': 'public, max-age=31536000, immutable' }, body: Buffer.from(bytes) };
      }
      throw new AtomicError('METHOD_NOT_ALLOWED', `POST packages to ${PREFIX}; GET them at ${PREFIX}/{sha256}`);
    },
  };
}
