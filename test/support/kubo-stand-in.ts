// A stand-in for a Kubo node's RPC API (no Kubo binary can run here): the calls the IPFS code makes
// (add, cat with offset/length, files/stat, pin add/rm/ls, repo/gc), answered in Kubo's JSON shapes
// from content it keeps in memory under the CIDs Kubo's default import gives (computeCid). It
// records each call, so tests can check what was asked of Kubo. It is not Kubo: its CIDs are ours.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { computeCid, parseCid } from '../../server/ipfs/unixfs.js';

/** A running stand-in. */
export interface KuboStandIn {
  url: string;
  calls: { path: string; params: URLSearchParams }[];
  /** Content held, by CID text. */
  content: Map<string, Uint8Array>;
  pins: Set<string>;
  close(): Promise<void>;
}

/** Starts a stand-in on a free loopback port. */
export async function startKuboStandIn(): Promise<KuboStandIn> {
  const calls: KuboStandIn['calls'] = [];
  const content = new Map<string, Uint8Array>();
  const pins = new Set<string>();
  const server: Server = createServer((request, response) => {
    const parsed = new URL(request.url ?? '/', 'http://kubo');
    const params = parsed.searchParams;
    calls.push({ path: parsed.pathname, params });
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const reply = (status: number, body: unknown, type = 'application/json'): void => {
        response.statusCode = status;
        response.setHeader('content-type', type);
        response.end(body instanceof Uint8Array ? body : `${JSON.stringify(body)}\n`);
      };
      const fail = (message: string): void => reply(500, { Message: message, Code: 0, Type: 'error' });
      // `arg` is a CID, or /ipfs/<cid>[/path]; the stand-in holds single files only.
      const held = (): { cid: string; bytes: Uint8Array } | undefined => {
        const arg = params.get('arg') ?? '';
        const cid = parseCid(arg.replace(/^\/ipfs\//, '').split('/')[0] ?? '').toString();
        const bytes = content.get(cid);
        return bytes ? { cid, bytes } : undefined;
      };
      void (async () => {
        switch (parsed.pathname) {
          case '/api/v0/add': {
            const form = await new Response(Buffer.concat(chunks), { headers: { 'content-type': String(request.headers['content-type']) } }).formData();
            const file = [...form.values()].find((v) => typeof v !== 'string');
            if (!file || typeof file === 'string') return fail('no file in the request');
            const bytes = new Uint8Array(await file.arrayBuffer());
            const cid = (await computeCid(bytes)).toString();
            content.set(cid, bytes);
            if (params.get('pin') !== 'false') pins.add(cid);
            return reply(200, { Name: cid, Hash: cid, Size: String(bytes.length) });
          }
          case '/api/v0/cat': {
            const found = held();
            if (!found) return fail('block was not found locally (offline): ipld: could not find');
            const offset = Number(params.get('offset') ?? 0);
            const length = params.has('length') ? Number(params.get('length')) : undefined;
            return reply(200, found.bytes.subarray(offset, length === undefined ? undefined : offset + length), 'text/plain');
          }
          case '/api/v0/files/stat': {
            const found = held();
            if (!found) return fail('block was not found locally (offline): ipld: could not find');
            return reply(200, { Hash: found.cid, Size: found.bytes.length, CumulativeSize: found.bytes.length, Blocks: 1, Type: 'file' });
          }
          case '/api/v0/pin/add': {
            const found = held();
            if (!found) return fail('block was not found locally (offline): ipld: could not find');
            pins.add(found.cid);
            return reply(200, { Pins: [found.cid] });
          }
          case '/api/v0/pin/rm': {
            const found = held();
            if (!found || !pins.delete(found.cid)) return fail('not pinned or pinned indirectly');
            return reply(200, { Pins: [found.cid] });
          }
          case '/api/v0/pin/ls':
            return reply(200, { Keys: Object.fromEntries([...pins].map((cid) => [cid, { Type: 'recursive' }])) });
          case '/api/v0/repo/gc': {
            const removed = [...content.keys()].filter((cid) => !pins.has(cid));
            for (const cid of removed) content.delete(cid);
            response.setHeader('content-type', 'application/json');
            return response.end(removed.map((cid) => `${JSON.stringify({ Key: { '/': cid } })}\n`).join(''));
          }
          default:
            return reply(404, { Message: `no command ${parsed.pathname}`, Code: 0, Type: 'error' });
        }
      })().catch((error: Error) => fail(error.message));
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    content,
    pins,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
