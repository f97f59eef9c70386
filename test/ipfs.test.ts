// The IPFS storage plugin (plugins/ipfs) end to end: installed by name with the CLI into a real
// server, files uploaded through @tomic/lib's uploadFiles (atomic-server's /upload form) and read
// back byte for byte from /ipfs/{cid} with ranges, caching headers and rights; Kubo's CID for
// "hello world\n"; pins and garbage collection; freezing and verifying a resource; a restart on
// the same data folder; and the Kubo path against a stand-in for Kubo's RPC API (no Kubo binary
// can run here).

import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Agent, Store } from '@tomic/lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentIdentity } from '../server/atomic/agent.js';
import { signRequestHeaders } from '../server/atomic/auth.js';
import { localProps, props, publicAgent } from '../server/atomic/urls.js';
import { computeCid } from '../server/ipfs/unixfs.js';
import { cliEnv, expectSuccess, runCli } from './support/cli-run.js';
import { createResource, getAs, ownerOf, postCommit, registerAgent, uniqueSubject, type HttpResult, type JsonBody } from './support/commits.js';
import { startHostProcess, type HostProcess } from './support/host-process.js';
import { startKuboStandIn } from './support/kubo-stand-in.js';

const HELLO = new TextEncoder().encode('hello world\n');
/** What `ipfs add` (Kubo's defaults) gives "hello world\n". */
const HELLO_CID = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o';
/** 1.5 MiB of random bytes: six 256 KiB chunks under one root. */
const BIG = new Uint8Array(randomBytes(1_572_864 + 1234));

const F = {
  downloadUrl: 'https://atomicdata.dev/properties/downloadURL',
  filename: 'https://atomicdata.dev/properties/filename',
  filesize: 'https://atomicdata.dev/properties/filesize',
  mimetype: 'https://atomicdata.dev/properties/mimetype',
  checksum: 'https://atomicdata.dev/properties/checksum',
  attachments: 'https://atomicdata.dev/properties/attachments',
};

let host: HostProcess;
let owner: AgentIdentity;
/** May write only in bobsFolder. */
let bob: AgentIdentity;
/** Has no rights at all. */
let carol: AgentIdentity;
let folder: string;
let bobsFolder: string;
/** Readable by anyone, writable by the owner only. */
let publicFolder: string;
let bigCid: string;
/** The ipfs plugin's installation (its Plugin resource). */
let installation: string;
const ontology = (): { frozen: string; gatewayUrls: string } => ({ frozen: `${host.url}/ipfs-ontology/property/frozen`, gatewayUrls: `${host.url}/ipfs-ontology/property/gateway-urls` });

/** A request to the server, signed as `agent` when given. */
async function call(path: string, init: { method?: string; headers?: Record<string, string>; body?: string | FormData; agent?: AgentIdentity } = {}): Promise<HttpResult & { bytes: Buffer }> {
  const url = `${host.url}${path}`;
  const headers = { ...(init.headers ?? {}), ...(init.agent ? signRequestHeaders(url, init.agent) : {}) };
  const response = await fetch(url, { method: init.method ?? 'GET', headers, ...(init.body === undefined ? {} : { body: init.body }) });
  const bytes = Buffer.from(await response.arrayBuffer());
  const text = bytes.toString('utf8');
  let body: JsonBody | undefined;
  try {
    body = JSON.parse(text) as JsonBody;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body, bytes };
}

/** A @tomic/lib Store signed in as `agent`. */
function storeAs(agent: AgentIdentity): Store {
  return new Store({ serverUrl: host.url, agent: new Agent(agent.privateKey, agent.subject) });
}

/** Uploads one file through @tomic/lib as `agent` and returns its File resource. */
async function uploadOne(agent: AgentIdentity, parent: string, bytes: Uint8Array, name: string, type = ''): Promise<JsonBody> {
  const [subject] = await storeAs(agent).uploadFiles([new File([bytes], name, { type })], parent);
  const file = await getAs(subject!, agent);
  expect(file.status, file.text).toBe(200);
  return file.body!;
}

const cidOf = (file: JsonBody): string => (file[F.downloadUrl] as string).replace('ipfs://', '');

beforeAll(async () => {
  host = await startHostProcess();
  owner = ownerOf(host);
  bob = await registerAgent(host.url, 'Bob');
  carol = await registerAgent(host.url, 'Carol');
  folder = uniqueSubject(host.url, 'files');
  await createResource(host.url, owner, folder, { [props.name]: 'Private files' });
  bobsFolder = uniqueSubject(host.url, 'bobs-files');
  await createResource(host.url, owner, bobsFolder, { [props.name]: "Bob's files", [props.read]: [bob.subject], [props.append]: [bob.subject] });
  publicFolder = uniqueSubject(host.url, 'public-files');
  await createResource(host.url, owner, publicFolder, { [props.name]: 'Public files', [props.read]: [publicAgent] });
  const env = cliEnv(join(host.dataDir, 'cli-config.json'), { ATOMIC_SERVER_URL: host.url, ATOMIC_AGENT_SECRET: host.secret });
  const installed = expectSuccess<JsonBody>(await runCli(['install', 'ipfs', '--yes', '--json'], { env }), 'install ipfs');
  expect(installed).toMatchObject({ plugin: 'atomic/ipfs', status: 'active', endpoints: [`${host.url}/ipfs`, `${host.url}/upload`] });
  installation = installed.subject as string;
}, 180_000);

afterAll(async () => {
  await host?.dispose();
});

describe('uploads', () => {
  it('@tomic/lib uploadFiles makes a File resource stored under Kubo\'s CID for "hello world\\n"', async () => {
    const file = await uploadOne(owner, folder, HELLO, 'hello.txt', 'text/plain');
    expect(file).toMatchObject({
      [props.isA]: ['https://atomicdata.dev/classes/File'],
      [props.parent]: folder,
      [F.filename]: 'hello.txt',
      [F.filesize]: 12,
      [F.mimetype]: 'text/plain',
      [F.checksum]: createHash('sha256').update(HELLO).digest('hex'),
      [F.downloadUrl]: `ipfs://${HELLO_CID}`,
    });
    // The owner may write the folder: the file is attached to it, as atomic-server does.
    expect((await getAs(folder, owner)).body![F.attachments]).toContain(file['@id']);
    // Served with the HTTP URL of its ipfs:// link.
    expect(file[ontology().gatewayUrls]).toEqual({ [`ipfs://${HELLO_CID}`]: `${host.url}/ipfs/${HELLO_CID}` });
    // A resource without ipfs:// values is served without calling the plugin (withValuePrefix).
    const callsOf = async (): Promise<number> => ((await getAs(installation, owner)).body![localProps(host.url).pluginStats] as { calls: number }).calls;
    const before = await callsOf();
    for (let i = 0; i < 3; i++) expect((await getAs(folder, owner)).body![ontology().gatewayUrls]).toBeUndefined();
    await getAs(file['@id'] as string, owner);
    expect(await callsOf()).toBe(before + 1);
    const served = await call(`/ipfs/${HELLO_CID}`, { agent: owner });
    expect(served.status).toBe(200);
    expect(served.bytes.equals(Buffer.from(HELLO))).toBe(true);
    expect(served.headers.get('content-type')).toBe('text/plain');
    expect(served.headers.get('etag')).toBe(`"${HELLO_CID}"`);
    expect(served.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect(served.headers.get('content-disposition')).toBe("inline; filename*=UTF-8''hello.txt");
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('a 1.5 MiB binary file (six chunks) round-trips byte for byte, with the CID Kubo\'s import gives it', async () => {
    const file = await uploadOne(owner, folder, BIG, 'noise.bin');
    bigCid = cidOf(file);
    expect(bigCid).toBe((await computeCid(BIG)).toString());
    expect(file[F.mimetype]).toBe('application/octet-stream');
    expect(file[F.filesize]).toBe(BIG.length);
    const served = await call(`/ipfs/${bigCid}`, { agent: owner });
    expect(served.status).toBe(200);
    expect(served.headers.get('content-length')).toBe(String(BIG.length));
    expect(served.bytes.equals(Buffer.from(BIG))).toBe(true);
  });

  it('a PNG uploaded without a type gets its type from its name; one with a bare name is sniffed', async () => {
    // A 1×1 PNG.
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
    expect((await uploadOne(owner, folder, png, 'pixel.png'))[F.mimetype]).toBe('image/png');
    const sniffed = await uploadOne(owner, folder, png, 'pixel');
    expect(sniffed[F.mimetype]).toBe('image/png');
  });

  it('needs append rights on the parent: anonymous 401, a stranger 403, and nothing is stored', async () => {
    const form = (): FormData => {
      const data = new FormData();
      data.append('assets', new File([Buffer.from('refused content')], 'refused.txt'));
      return data;
    };
    const refusedCid = (await computeCid(Buffer.from('refused content'))).toString();
    expect((await call(`/upload?parent=${encodeURIComponent(folder)}`, { method: 'POST', body: form() })).status).toBe(401);
    // A parent Carol may not even read does not exist for her; one she may read but not append to is a 403.
    expect((await call(`/upload?parent=${encodeURIComponent(folder)}`, { method: 'POST', body: form(), agent: carol })).status).toBe(404);
    expect((await call(`/upload?parent=${encodeURIComponent(publicFolder)}`, { method: 'POST', body: form(), agent: carol })).status).toBe(403);
    const pins = await call('/ipfs/pins', { agent: owner });
    expect(pins.text).not.toContain(refusedCid);
    // Bob may append to his folder (not write it): the file is made, the folder left alone.
    const file = await uploadOne(bob, bobsFolder, Buffer.from("Bob's notes"), 'notes.md');
    expect(file[F.mimetype]).toBe('text/markdown');
    expect((await getAs(bobsFolder, owner)).body![F.attachments]).toBeUndefined();
  });

  it('refuses a body that is not multipart (415), a form without files and a missing parent (400)', async () => {
    expect((await call(`/upload?parent=${encodeURIComponent(folder)}`, { method: 'POST', body: 'plain', headers: { 'content-type': 'text/plain' }, agent: owner })).status).toBe(415);
    const noFiles = new FormData();
    noFiles.append('note', 'just text');
    expect((await call(`/upload?parent=${encodeURIComponent(folder)}`, { method: 'POST', body: noFiles, agent: owner })).status).toBe(400);
    expect((await call('/upload', { method: 'POST', body: noFiles, agent: owner })).status).toBe(400);
  });
});

describe('/ipfs/{cid}', () => {
  it('answers one byte range with 206 and Content-Range, also across chunk boundaries', async () => {
    const first = await call(`/ipfs/${HELLO_CID}`, { agent: owner, headers: { range: 'bytes=0-4' } });
    expect(first.status).toBe(206);
    expect(first.text).toBe('hello');
    expect(first.headers.get('content-range')).toBe('bytes 0-4/12');
    expect((await call(`/ipfs/${HELLO_CID}`, { agent: owner, headers: { range: 'bytes=6-' } })).text).toBe('world\n');
    expect((await call(`/ipfs/${HELLO_CID}`, { agent: owner, headers: { range: 'bytes=-3' } })).text).toBe('ld\n');
    const across = await call(`/ipfs/${bigCid}`, { agent: owner, headers: { range: 'bytes=262100-524400' } });
    expect(across.status).toBe(206);
    expect(across.bytes.equals(Buffer.from(BIG.subarray(262_100, 524_401)))).toBe(true);
    expect(across.headers.get('content-range')).toBe(`bytes 262100-524400/${BIG.length}`);
  });

  it('answers an unsatisfiable range with 416, and ignores a malformed one or a stale If-Range', async () => {
    const beyond = await call(`/ipfs/${HELLO_CID}`, { agent: owner, headers: { range: 'bytes=100-' } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe('bytes */12');
    expect((await call(`/ipfs/${HELLO_CID}`, { agent: owner, headers: { range: 'lines=1-2' } })).status).toBe(200);
    expect((await call(`/ipfs/${HELLO_CID}`, { agent: owner, headers: { range: 'bytes=0-1', 'if-range': '"other"' } })).status).toBe(200);
    expect((await call(`/ipfs/${HELLO_CID}`, { agent: owner, headers: { range: 'bytes=0-1', 'if-range': `"${HELLO_CID}"` } })).status).toBe(206);
  });

  it('answers HEAD with the headers only, and If-None-Match with the ETag with 304', async () => {
    const head = await call(`/ipfs/${bigCid}`, { method: 'HEAD', agent: owner });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(BIG.length));
    expect(head.bytes.length).toBe(0);
    const cached = await call(`/ipfs/${HELLO_CID}`, { agent: owner, headers: { 'if-none-match': `"${HELLO_CID}"` } });
    expect(cached.status).toBe(304);
    expect(cached.bytes.length).toBe(0);
  });

  it('serves content only to whoever may read a resource referring to it', async () => {
    expect((await call(`/ipfs/${HELLO_CID}`)).status).toBe(401);
    expect((await call(`/ipfs/${HELLO_CID}`, { agent: carol })).status).toBe(403);
    const open = await uploadOne(owner, publicFolder, Buffer.from('for everyone'), 'open.txt');
    const anonymous = await call(`/ipfs/${cidOf(open)}`);
    expect(anonymous.status).toBe(200);
    expect(anonymous.text).toBe('for everyone');
    expect(anonymous.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('refuses what is not a CID with 400, and a CID nobody refers to with 404', async () => {
    expect((await call('/ipfs/not-a-cid', { agent: owner })).status).toBe(400);
    expect((await call('/ipfs/QmNotBase58Il0O', { agent: owner })).status).toBe(400);
    expect((await call('/ipfs/bafyjunk', { agent: owner })).status).toBe(400);
    expect((await call('/ipfs/%E0%A4%A', { agent: owner })).status).toBe(400);
    const unknown = (await computeCid(Buffer.from('never stored'))).toString();
    expect((await call(`/ipfs/${unknown}`, { agent: carol })).status).toBe(404);
    expect((await call(`/ipfs/${unknown}`, { agent: owner })).status).toBe(404);
    expect((await call(`/ipfs/${HELLO_CID}`, { method: 'DELETE', agent: owner })).status).toBe(405);
  });
});

describe('pins', () => {
  it('lists what uploads pinned, for operators only', async () => {
    const pins = await call('/ipfs/pins', { agent: owner });
    expect(pins.status).toBe(200);
    const cids = (pins.body!.pins as { cid: string }[]).map((p) => p.cid);
    expect(cids).toEqual(expect.arrayContaining([HELLO_CID, bigCid]));
    expect((await call('/ipfs/pins', { agent: bob })).status).toBe(403);
    expect((await call('/ipfs/pins')).status).toBe(401);
    expect((await call('/ipfs/pins?cid=junk', { method: 'POST', agent: owner })).status).toBe(400);
    expect((await call(`/ipfs/pins?cid=${HELLO_CID}`, { method: 'DELETE', agent: bob })).status).toBe(403);
  });

  it('unpinned content goes at the next garbage collection; pinned content stays', async () => {
    expect((await call(`/ipfs/pins?cid=${bigCid}`, { method: 'DELETE', agent: owner })).body).toMatchObject({ cid: bigCid, pinned: false });
    expect((await call(`/ipfs/pins?cid=${bigCid}`, { method: 'DELETE', agent: owner })).status).toBe(404);
    const gc = await call('/ipfs/gc', { method: 'POST', agent: owner });
    expect(gc.status).toBe(200);
    // The root and its seven leaves (six full chunks and the rest).
    expect(gc.body!.removedBlocks).toBe(8);
    expect((await call(`/ipfs/${bigCid}`, { agent: owner })).status).toBe(404);
    expect((await call(`/ipfs/${HELLO_CID}`, { agent: owner })).text).toBe('hello world\n');
    // Pinning needs the content: uploading it again brings it back under the same CID.
    expect((await call(`/ipfs/pins?cid=${bigCid}`, { method: 'POST', agent: owner })).status).toBe(404);
    expect(cidOf(await uploadOne(owner, folder, BIG, 'noise-again.bin'))).toBe(bigCid);
    expect((await call(`/ipfs/pins?cid=${bigCid}`, { method: 'POST', agent: owner })).body).toMatchObject({ cid: bigCid, pinned: true });
    expect((await call(`/ipfs/${bigCid}`, { agent: owner })).bytes.equals(Buffer.from(BIG))).toBe(true);
  });
});

describe('freeze and verify', () => {
  let note: string;
  let frozenCid: string;

  beforeAll(async () => {
    note = uniqueSubject(host.url, 'note');
    await createResource(host.url, owner, note, { [props.name]: 'A note', [props.description]: 'As it was', [props.read]: [publicAgent] });
  });

  it('needs write rights: anonymous 401, a reader without them 403, no subject 400', async () => {
    expect((await call(`/ipfs/freeze?subject=${encodeURIComponent(note)}`, { method: 'POST' })).status).toBe(401);
    expect((await call(`/ipfs/freeze?subject=${encodeURIComponent(note)}`, { method: 'POST', agent: carol })).status).toBe(403);
    expect((await call('/ipfs/freeze', { method: 'POST', agent: owner })).status).toBe(400);
    expect((await call(`/ipfs/freeze?subject=${encodeURIComponent(`${host.url}/nothing-here`)}`, { method: 'POST', agent: owner })).status).toBe(404);
    expect((await call(`/ipfs/verify?subject=${encodeURIComponent(note)}`)).status).toBe(404);
  });

  it('stores the current JSON-AD in IPFS and records its CID on the resource', async () => {
    const before = (await getAs(note)).body!;
    const frozen = await call(`/ipfs/freeze?subject=${encodeURIComponent(note)}`, { method: 'POST', agent: owner });
    expect(frozen.status, frozen.text).toBe(200);
    frozenCid = frozen.body!.cid as string;
    expect(frozen.body).toMatchObject({ subject: note, link: `ipfs://${frozenCid}`, url: `${host.url}/ipfs/${frozenCid}`, version: before[props.lastCommit] });
    const after = (await getAs(note)).body!;
    expect(after[ontology().frozen]).toBe(`ipfs://${frozenCid}`);
    expect(after[ontology().gatewayUrls]).toEqual({ [`ipfs://${frozenCid}`]: `${host.url}/ipfs/${frozenCid}` });
    // Anyone who may read the note may read its frozen version, and recompute its CID.
    const stored = await call(`/ipfs/${frozenCid}`);
    expect(stored.status).toBe(200);
    expect(stored.headers.get('content-type')).toBe('application/ad+json');
    expect((await computeCid(stored.bytes)).toString()).toBe(frozenCid);
    expect(JSON.parse(stored.text)).toEqual(before);
  });

  it('verifies: unchanged until the resource changes, then names what changed; an earlier CID still verifies', async () => {
    const fresh = await call(`/ipfs/verify?subject=${encodeURIComponent(note)}`);
    expect(fresh.status, fresh.text).toBe(200);
    expect(fresh.body).toMatchObject({ subject: note, cid: frozenCid, intact: true, recorded: true, unchanged: true, changed: [] });
    expect((await postCommit(host.url, { subject: note, set: { [props.description]: 'Changed since' } }, owner)).status).toBe(200);
    const moved = await call(`/ipfs/verify?subject=${encodeURIComponent(note)}`);
    expect(moved.body).toMatchObject({ cid: frozenCid, unchanged: false, changed: [props.description] });
    const again = await call(`/ipfs/freeze?subject=${encodeURIComponent(note)}`, { method: 'POST', agent: owner });
    expect(again.body!.cid).not.toBe(frozenCid);
    expect((await call(`/ipfs/verify?subject=${encodeURIComponent(note)}`)).body).toMatchObject({ cid: again.body!.cid, recorded: true, unchanged: true });
    const earlier = await call(`/ipfs/verify?subject=${encodeURIComponent(note)}&cid=${frozenCid}`);
    expect(earlier.body).toMatchObject({ cid: frozenCid, recorded: false, unchanged: false, changed: [props.description] });
    expect((await call(`/ipfs/verify?subject=${encodeURIComponent(note)}&cid=${HELLO_CID}`, { agent: owner })).status).toBe(422);
    expect((await call(`/ipfs/verify?subject=${encodeURIComponent(note)}&cid=nope`)).status).toBe(400);
  });
});

describe('a restart on the same data folder', () => {
  it('keeps the content, its CIDs and its pins', async () => {
    const pinsBefore = (await call('/ipfs/pins', { agent: owner })).body!.pins;
    await host.stop();
    host = await startHostProcess({ dataDir: host.dataDir, port: host.port, startTimeoutMs: 60_000 });
    const served = await call(`/ipfs/${bigCid}`, { agent: owner });
    expect(served.status, served.text).toBe(200);
    expect(served.bytes.equals(Buffer.from(BIG))).toBe(true);
    expect((await call(`/ipfs/${HELLO_CID}`, { agent: owner })).text).toBe('hello world\n');
    expect((await call('/ipfs/pins', { agent: owner })).body!.pins).toEqual(pinsBefore);
    expect(cidOf(await uploadOne(owner, folder, HELLO, 'hello-again.txt'))).toBe(HELLO_CID);
  }, 120_000);
});

describe('with a Kubo node (a stand-in for its RPC API)', () => {
  it('adds with Kubo\'s import options, pins there, and serves what Kubo holds', async () => {
    const kubo = await startKuboStandIn();
    try {
      const env = cliEnv(join(host.dataDir, 'cli-config.json'), { ATOMIC_SERVER_URL: host.url, ATOMIC_AGENT_SECRET: host.secret });
      expectSuccess(await runCli(['config', 'set', 'atomic/ipfs', `kuboApi=${kubo.url}`, '--json'], { env }), 'config set');
      const content = Buffer.from('kept by kubo\n');
      const file = await uploadOne(owner, folder, content, 'kubo.txt');
      const cid = cidOf(file);
      expect(cid).toBe((await computeCid(content)).toString());
      const add = kubo.calls.find((c) => c.path === '/api/v0/add')!;
      expect(Object.fromEntries(['cid-version', 'raw-leaves', 'chunker', 'trickle'].map((k) => [k, add.params.get(k)]))).toEqual({ 'cid-version': '0', 'raw-leaves': 'false', chunker: 'size-262144', trickle: 'false' });
      expect(kubo.pins.has(cid)).toBe(true);
      const ranged = await call(`/ipfs/${cid}`, { agent: owner, headers: { range: 'bytes=8-11' } });
      expect(ranged.status).toBe(206);
      expect(ranged.text).toBe('kubo');
      expect((await call('/ipfs/pins', { agent: owner })).body!.pins).toEqual([{ cid, link: `ipfs://${cid}`, url: `${host.url}/ipfs/${cid}` }]);
      // What the embedded node holds is not in Kubo.
      expect((await call(`/ipfs/${HELLO_CID}`, { agent: owner })).status).toBe(502);
    } finally {
      await kubo.close();
    }
  }, 60_000);
});
