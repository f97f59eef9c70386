// The Kubo adapter against a stand-in for Kubo's RPC API (no Kubo binary can run here): it checks
// what the adapter asks Kubo for (the import options that make CIDs match), and that it reads
// `cat` answers within the size limit. The stand-in answers with CIDs computed by unixfs.ts.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KuboIpfs } from './kubo.js';
import { computeCid, parseCid } from './unixfs.js';

const hello = new TextEncoder().encode('hello world\n');

describe('KuboIpfs', () => {
  let server: Server;
  let url: string;
  const calls: { path: string; params: URLSearchParams }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const parsed = new URL(request.url ?? '/', 'http://kubo');
      calls.push({ path: parsed.pathname, params: parsed.searchParams });
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        void (async () => {
          if (parsed.pathname === '/api/v0/add') {
            // The multipart body holds the file; a real Kubo would import it with the options asked for.
            const body = Buffer.concat(chunks);
            const cid = body.includes(Buffer.from('hello world\n')) ? (await computeCid(hello)).toString() : 'QmUnknown';
            response.setHeader('content-type', 'application/json');
            response.end(`${JSON.stringify({ Name: cid, Hash: cid, Size: '20' })}\n`);
          } else if (parsed.pathname === '/api/v0/cat' && parsed.searchParams.get('arg') === 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o') {
            response.setHeader('content-type', 'text/plain');
            response.end(Buffer.from(hello));
          } else {
            response.statusCode = 500;
            response.setHeader('content-type', 'application/json');
            response.end(JSON.stringify({ Message: 'block was not found locally (offline): ipld: could not find', Code: 0, Type: 'error' }));
          }
        })();
      });
    });
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('adds with Kubo\'s default import options spelled out, and returns the CID Kubo answers', async () => {
    const node = new KuboIpfs(url);
    const cid = await node.add(hello);
    expect(cid.toString()).toBe('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o');
    const add = calls.find((c) => c.path === '/api/v0/add')!;
    expect(add.params.get('cid-version')).toBe('0');
    expect(add.params.get('raw-leaves')).toBe('false');
    expect(add.params.get('chunker')).toBe('size-262144');
    expect(add.params.get('trickle')).toBe('false');
  });

  it('cats by CID, and reports a missing block as IPFS_UNAVAILABLE with Kubo\'s message', async () => {
    const node = new KuboIpfs(url);
    expect(new TextDecoder().decode(await node.get(parseCid('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')))).toBe('hello world\n');
    await expect(node.get(parseCid('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'), { maxBytes: 4 })).rejects.toMatchObject({ code: 'TOO_LARGE' });
    const missing = await computeCid(new TextEncoder().encode('absent'));
    await expect(node.get(missing)).rejects.toMatchObject({ code: 'IPFS_UNAVAILABLE', message: expect.stringContaining('not found') });
  });
});
