// Publishing and installing by content address and by name, through the real CLI against a real
// server started with --require-signed: publish --ipfs → install ipfs://<cid>; publish --server →
// install namespace/name@range → update to the newest compatible release; and the bad inputs (a
// CID whose bytes do not match, an unknown CID, an unknown name, a range nothing satisfies, a
// tampered or unsigned package), each with a clear code and nothing installed.

import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSecret } from '../server/atomic/agent.js';
import { signRequestHeaders } from '../server/atomic/auth.js';
import { computeCid, EmbeddedIpfs } from '../server/ipfs/unixfs.js';
import { buildPackage, signPackage } from '../server/plugins/package.js';
import { classes, props } from '../server/atomic/urls.js';
import { cliEnv, expectCliError, expectSuccess, runCli, type CliRun } from './support/cli-run.js';
import { postCommit } from './support/commits.js';
import { fixtureManifest, jsFixtures } from './support/fixtures.js';
import { startHostProcess, type HostProcess } from './support/host-process.js';
import { startKuboStandIn } from './support/kubo-stand-in.js';

describe('publish and install by CID and by name', () => {
  let host: HostProcess;
  let work: string;
  let code: Record<string, Uint8Array>;
  const xdg = () => join(work, 'xdg');
  const env = (extra: Record<string, string> = {}) =>
    cliEnv(join(work, 'no-config.json'), { ATOMIC_SERVER_URL: host.url, ATOMIC_AGENT_SECRET: host.secret, XDG_DATA_HOME: xdg(), ...extra });
  const cli = (args: string[], extra: Record<string, string> = {}): Promise<CliRun> => runCli([...args, '--json'], { env: env(extra), cwd: work });
  const ok = async <T>(args: string[], extra: Record<string, string> = {}): Promise<T> => expectSuccess<T>(await cli(args, extra), args.join(' '));
  const fails = expectCliError;
  const installed = async () => (await ok<{ plugin: string; version: string }[]>(['list'])).map((p) => `${p.plugin}@${p.version}`).sort();
  /** A small signed js plugin with one endpoint, as `namespace/name@version`. */
  const pkg = async (name: string, version: string, options: { sign?: boolean; description?: string } = {}): Promise<string> => {
    const manifest = fixtureManifest(jsFixtures, 'probe', {
      namespace: 'acme', name, version, permissions: [], hooks: { endpoints: [{ path: 'echo', methods: ['GET'] }] },
      ...(options.description ? { description: options.description } : {}),
    });
    let zip = buildPackage({ 'plugin.json': new TextEncoder().encode(JSON.stringify(manifest)), ...code });
    if (options.sign !== false) zip = signPackage(zip, decodeSecret(host.secret));
    const path = join(work, `${name}-${version}${options.sign === false ? '-unsigned' : ''}${options.description ? '-alt' : ''}.zip`);
    writeFileSync(path, zip);
    return path;
  };
  const readBytes = async (path: string) => new Uint8Array(readFileSync(path));

  beforeAll(async () => {
    host = await startHostProcess({ extraArgs: ['--require-signed'] });
    work = mkdtempSync(join(tmpdir(), 'atomic-plugin-publish-'));
    code = await jsFixtures.code('probe');
  }, 120_000);
  afterAll(async () => {
    await host?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('publish --ipfs prints the Kubo CID; install ipfs://<cid> uploads it with the CID and runs it', async () => {
    const zip = await pkg('byhash', '0.1.0');
    const published = await ok<{ cid: string; ipfsNode: string; plugin: string }>(['publish', zip, '--ipfs']);
    expect(published.cid).toBe((await computeCid(await readBytes(zip))).toString());
    expect(published.cid).toMatch(/^Qm/);
    expect(published.ipfsNode).toBe(join(xdg(), 'atomic-plugin', 'ipfs'));
    const result = await ok<{ status: string; packageUrl: string; cid: string; endpoints: string[] }>(['install', `ipfs://${published.cid}`, '--yes']);
    expect(result).toMatchObject({ status: 'active', packageUrl: `ipfs://${published.cid}`, cid: published.cid });
    expect((await fetch(result.endpoints[0]!)).status).toBe(200);
    // The host keeps it in its own blockstore (<data-dir>/ipfs): it loads again after a restart.
    const { dataDir, port } = host;
    await host.stop();
    host = await startHostProcess({ dataDir, port, extraArgs: ['--require-signed'] });
    expect(await ok<{ status: string }[]>(['list'])).toMatchObject([{ plugin: 'acme/byhash', status: 'active' }]);
    expect(readdirSync(join(dataDir, 'ipfs'), { recursive: true }).some((f) => String(f).endsWith('.data'))).toBe(true);
    await ok(['uninstall', 'acme/byhash', '--yes']);
  }, 60_000);

  it('install ipfs://<cid> --ipfs-api gets the bytes from a Kubo RPC API, and refuses bytes that are not the CID\'s', async () => {
    // A stand-in for Kubo's RPC API (no Kubo can run here): it serves one package right, and
    // another package's bytes for a second CID, as a broken or malicious node might.
    const good = await readBytes(await pkg('viakubo', '0.1.0'));
    const wrong = await readBytes(await pkg('liar', '0.1.0'));
    const goodCid = (await computeCid(good)).toString();
    const liarCid = (await computeCid(wrong)).toString();
    const kubo = await startKuboStandIn();
    kubo.content.set(goodCid, good);
    kubo.content.set(liarCid, good);
    const api = kubo.url;
    try {
      const result = await ok<{ status: string; cid: string }>(['install', `ipfs://${goodCid}`, '--ipfs-api', api, '--yes']);
      expect(result).toMatchObject({ status: 'active', cid: goodCid });
      await ok(['uninstall', 'acme/viakubo', '--yes']);
      fails(await cli(['install', `ipfs://${liarCid}`, '--ipfs-api', api, '--yes']), 'CID_CONTENT_MISMATCH');
      const missing = (await computeCid(new TextEncoder().encode('absent'))).toString();
      fails(await cli(['install', `ipfs://${missing}`, '--ipfs-api', api, '--yes']), 'IPFS_FAILED');
    } finally {
      await kubo.close();
    }
    expect(await installed()).toEqual([]);
  }, 60_000);

  it('an http(s) package URL is downloaded by the CLI within 64 MiB and uploaded; a larger answer is refused', async () => {
    const zip = await readBytes(await pkg('byurl', '0.1.0'));
    const web = createServer((request, response) => {
      if (request.url === '/byurl.zip') return void response.end(Buffer.from(zip));
      // No content-length: the CLI has to count what arrives and stop at the limit.
      const chunk = Buffer.alloc(1 << 20);
      let sent = 0;
      const more = (): void => {
        while (sent < 65 && !response.destroyed) {
          sent++;
          if (!response.write(chunk)) return void response.once('drain', more);
        }
        response.end();
      };
      more();
    });
    web.listen(0, '127.0.0.1');
    await once(web, 'listening');
    const base = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    try {
      expect(await ok<{ status: string }>(['install', `${base}/byurl.zip`, '--yes'])).toMatchObject({ status: 'active' });
      await ok(['uninstall', 'acme/byurl', '--yes']);
      const error = fails(await cli(['install', `${base}/huge.zip`, '--yes']), 'DOWNLOAD_FAILED');
      expect(error.message).toContain('larger than 67108864 bytes');
    } finally {
      web.closeAllConnections();
      web.close();
    }
    expect(await installed()).toEqual([]);
  }, 60_000);

  it('an unknown CID: CID_NOT_FOUND, nothing installed', async () => {
    const unknown = (await computeCid(new TextEncoder().encode('no such package'))).toString();
    const error = fails(await cli(['install', `ipfs://${unknown}`, '--yes']), 'CID_NOT_FOUND');
    expect(error.message).toContain(unknown);
    fails(await cli(['install', 'ipfs://not-a-cid', '--yes']), 'INVALID_INPUT');
    // A Plugin resource naming a CID the host does not hold is refused at the commit.
    const refused = await postCommit(host.url, {
      subject: `${host.url}/plugins/installed/acme-unknown`,
      set: {
        [props.isA]: [classes.plugin],
        [props.parent]: host.url,
        [props.name]: 'unknown',
        [props.plugin.namespace]: 'acme',
        [props.plugin.file]: `ipfs://${unknown}`,
        [props.plugin.permissions]: [],
      },
    }, decodeSecret(host.secret));
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain(`ipfs://${unknown} is not in this host's blockstore`);
    expect(await installed()).toEqual([]);
  });

  it('a CID whose bytes do not match: the CLI refuses what its node returns, the server refuses the upload', async () => {
    const a = await readBytes(await pkg('tampered', '0.1.0'));
    const b = await readBytes(await pkg('other', '0.1.0'));
    // Two blockstores, one package each (a single block: the packages are below 256 KiB); B's
    // block copied over A's is a valid block with the wrong content for A's CID.
    const blocks = async (dir: string, bytes: Uint8Array): Promise<[string, string]> => {
      const node = await EmbeddedIpfs.open(dir);
      const cid = (await node.add(bytes)).toString();
      await node.close();
      const files = readdirSync(dir, { recursive: true }).filter((f): f is string => typeof f === 'string' && f.endsWith('.data'));
      expect(files).toHaveLength(1);
      return [cid, join(dir, files[0]!)];
    };
    const tamperedXdg = join(work, 'xdg-tampered');
    const [cidA, fileA] = await blocks(join(tamperedXdg, 'atomic-plugin', 'ipfs'), a);
    const [, fileB] = await blocks(join(work, 'ipfs-b'), b);
    copyFileSync(fileB, fileA);
    // The damaged store as the CLI's own: what it returns is checked against the CID.
    const error = fails(await cli(['install', `ipfs://${cidA}`, '--yes'], { XDG_DATA_HOME: tamperedXdg }), 'CID_CONTENT_MISMATCH');
    expect(error.message).toContain(cidA);
    // A client that claims a CID for other bytes is refused by the server: 400 CID_MISMATCH.
    const owner = decodeSecret(host.secret);
    const upload = async (query: string) => {
      const url = `${host.url}/plugins/packages${query}`;
      return fetch(url, { method: 'POST', body: b, headers: { 'content-type': 'application/zip', accept: 'application/ad+json', ...signRequestHeaders(url, owner) } });
    };
    const refused = await upload(`?cid=${cidA}`);
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as Record<string, string>;
    expect(body['https://atomicdata.dev/properties/name']).toBe('CID_MISMATCH');
    expect(body['https://atomicdata.dev/properties/description']).toContain(`not ${cidA}`);
    expect((await upload('?cid=nonsense')).status).toBe(400);
    const cidB = (await computeCid(b)).toString();
    const accepted = await upload(`?cid=${cidB}`);
    expect(accepted.status).toBe(201);
    expect(((await accepted.json()) as { '@id': string })['@id']).toBe(`ipfs://${cidB}`);
    expect(await installed()).toEqual([]);
  }, 60_000);

  it('a tampered package under the trust policy, and an unsigned one: refused, nothing installed', async () => {
    const signed = await readBytes(await pkg('forged', '0.1.0'));
    const files = unzipSync(signed);
    files['plugin.js'] = new TextEncoder().encode(`${new TextDecoder().decode(files['plugin.js'])}\n// changed after signing\n`);
    const tampered = zipSync(files);
    const unsigned = await readBytes(await pkg('forged', '0.2.0', { sign: false }));
    const node = await EmbeddedIpfs.open(join(xdg(), 'atomic-plugin', 'ipfs'));
    const tamperedCid = (await node.add(tampered)).toString();
    const unsignedCid = (await node.add(unsigned)).toString();
    await node.close();
    const error = fails(await cli(['install', `ipfs://${tamperedCid}`, '--yes']), 'VERIFY_FAILED');
    expect(error.message).toContain('DIGEST_MISMATCH');
    const refused = fails(await cli(['install', `ipfs://${unsignedCid}`, '--yes']), 'INSTALL_REFUSED');
    expect(refused.message).toContain('not signed');
    expect(await installed()).toEqual([]);
  }, 60_000);

  it('publish --server records listing and releases; a version never changes', async () => {
    const first = await ok<{ listing: string; release: string; created: boolean; packageUrl: string; cid: string }>(['publish', await pkg('reg', '1.0.0'), '--server', host.url, '--ipfs']);
    expect(first).toMatchObject({ listing: `${host.url}/registry/acme/reg`, release: `${host.url}/registry/acme/reg/1.0.0`, created: true });
    expect(first.cid).toMatch(/^Qm/);
    await ok(['publish', await pkg('reg', '1.1.0'), '--server', host.url]);
    await ok(['publish', await pkg('reg', '2.0.0'), '--server', host.url]);
    expect((await ok<{ created: boolean }>(['publish', await pkg('reg', '1.0.0'), '--server', host.url])).created).toBe(false);
    const changed = fails(await cli(['publish', await pkg('reg', '1.0.0', { description: 'Other content.' }), '--server', host.url]), 'PUBLISH_REFUSED');
    expect(changed.message).toContain('published already');
    fails(await cli(['publish', await pkg('reg', '3.0.0')]), 'INVALID_INPUT');
    // The listing is an ordinary resource anyone can read.
    const listing = (await (await fetch(first.listing, { headers: { accept: 'application/json' } })).json()) as Record<string, unknown>;
    expect(listing).toMatchObject({ name: 'reg', namespace: 'acme' });
    expect(listing.releases).toHaveLength(3);
  }, 60_000);

  it('install namespace/name@range takes the newest match; update takes the newest compatible one', async () => {
    const result = await ok<{ version: string; status: string; release: string }>(['install', 'acme/reg@~1.0', '--yes']);
    expect(result).toMatchObject({ version: '1.0.0', status: 'active', release: `${host.url}/registry/acme/reg/1.0.0` });
    const updated = await ok<{ version: string; previousVersion: string }>(['update', 'acme/reg', '--yes']);
    expect(updated).toMatchObject({ version: '1.1.0', previousVersion: '1.0.0' });
    expect(await installed()).toEqual(['acme/reg@1.1.0']);
    const explicit = await ok<{ version: string }>(['update', 'acme/reg', 'acme/reg@2', '--yes']);
    expect(explicit.version).toBe('2.0.0');
    await ok(['uninstall', 'acme/reg', '--yes']);
  }, 60_000);

  it('an unknown name or a range nothing satisfies: clear errors, nothing installed', async () => {
    fails(await cli(['install', 'acme/nothing', '--yes']), 'REGISTRY_NOT_FOUND');
    const none = await cli(['install', 'acme/reg@^3', '--yes']);
    const error = fails(none, 'NO_MATCHING_VERSION');
    expect(error.message).toContain('^3');
    expect(none.stdout).toContain('published: 1.0.0, 1.1.0, 2.0.0');
    fails(await cli(['install', 'acme/reg@not a range', '--yes']), 'INVALID_INPUT');
    expect(await installed()).toEqual([]);
  }, 60_000);
});
