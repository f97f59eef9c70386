// Uploading plugin packages: content-addressed storage, served back byte for byte, and only agents
// with write rights on the drive may upload.

import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequestHeaders } from '../server/atomic/auth.js';
import type { AgentIdentity } from '../server/atomic/agent.js';
import { ownerOf, registerAgent } from './support/commits.js';
import { startHostProcess, type HostProcess } from './support/host-process.js';

describe('POST /plugins/packages', () => {
  let host: HostProcess;
  let owner: AgentIdentity;
  let url: string;
  beforeAll(async () => {
    host = await startHostProcess();
    owner = ownerOf(host);
    url = `${host.url}/plugins/packages`;
  });
  afterAll(() => host.dispose());

  const upload = (body: Uint8Array, agent?: AgentIdentity, type = 'application/zip') =>
    fetch(url, { method: 'POST', body, headers: { 'content-type': type, ...(agent ? signRequestHeaders(url, agent) : {}) } });

  it('stores a package under the SHA-256 of its bytes and serves it back unchanged', async () => {
    const bytes = randomBytes(300_000);
    const response = await upload(bytes, owner);
    expect(response.status).toBe(201);
    const body = (await response.json()) as { '@id': string; sha256: string; size: number };
    const hash = createHash('sha256').update(bytes).digest('hex');
    expect(body).toEqual({ '@id': `${url}/${hash}`, sha256: hash, size: bytes.length });
    const fetched = await fetch(body['@id']);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('content-type')).toBe('application/zip');
    expect(Buffer.from(await fetched.arrayBuffer()).equals(bytes)).toBe(true);
    // The same bytes again give the same address.
    expect(((await (await upload(bytes, owner)).json()) as { sha256: string }).sha256).toBe(hash);
  });

  it('refuses anonymous uploads, agents without write on the drive, other media types and empty bodies', async () => {
    const stranger = await registerAgent(host.url);
    const cases: [Response, number, string][] = [
      [await upload(randomBytes(10)), 401, 'UNAUTHORIZED'],
      [await upload(randomBytes(10), stranger), 403, 'FORBIDDEN'],
      [await upload(randomBytes(10), owner, 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [await upload(new Uint8Array(0), owner), 400, 'INVALID_QUERY'],
    ];
    for (const [response, status, code] of cases) {
      expect(response.status).toBe(status);
      expect(((await response.json()) as Record<string, unknown>)['https://atomicdata.dev/properties/name']).toBe(code);
    }
  });

  it('answers 404 for an unknown package and for a malformed hash', async () => {
    expect((await fetch(`${url}/${'0'.repeat(64)}`)).status).toBe(404);
    expect((await fetch(`${url}/../agent.secret`)).status).toBe(404);
    expect((await fetch(`${url}/not-a-hash`)).status).toBe(404);
  });

  it('refuses a package larger than 64 MiB with 413', async () => {
    const response = await upload(new Uint8Array((64 << 20) + 1), owner);
    expect(response.status).toBe(413);
  });
});
