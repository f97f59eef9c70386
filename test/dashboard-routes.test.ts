// The host routes behind the dashboard, over HTTP against real `serve` processes: the built pages
// at /_dashboard/ (and where a browser asking for / is sent), the store's catalog of reference and
// registry plugins with signature verdicts under the host's trust policy, package descriptions,
// and staging a reference package for a browser install.

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePlugin } from '../cli/lib/esbuild.js';
import type { AgentIdentity } from '../server/atomic/agent.js';
import { signRequestHeaders } from '../server/atomic/auth.js';
import { localProps, props } from '../server/atomic/urls.js';
import type { PackageDescription, StoreCatalog, StoreEntry } from '../server/dashboard/catalog-types.js';
import { buildPackage } from '../server/plugins/package.js';
import { cliEnv, expectSuccess, runCli } from './support/cli-run.js';
import { createResource, ownerOf, readResult, registerAgent, uniqueSubject } from './support/commits.js';
import { repoRoot, startHostProcess, type HostProcess } from './support/host-process.js';

interface ReferenceIndex {
  publisher: { publicKey: string; kind: string };
  plugins: Record<string, { plugin: string; version: string; digest: string }>;
}

const index = (): ReferenceIndex => JSON.parse(readFileSync(join(repoRoot, 'dist/plugins/index.json'), 'utf8')) as ReferenceIndex;

const request = async (url: string, options: { agent?: AgentIdentity; method?: string; accept?: string } = {}) =>
  readResult(
    await fetch(url, {
      method: options.method ?? 'GET',
      redirect: 'manual',
      headers: { ...(options.accept ? { accept: options.accept } : {}), ...(options.agent ? signRequestHeaders(url, options.agent) : {}) },
    }),
  );

const entryOf = (catalog: StoreCatalog, plugin: string, source: StoreEntry['source']): StoreEntry | undefined =>
  catalog.plugins.find((p) => p.plugin === plugin && p.source === source);

describe('the dashboard pages and the store routes', () => {
  let host: HostProcess;
  let owner: AgentIdentity;
  let work: string;
  beforeAll(async () => {
    host = await startHostProcess();
    owner = ownerOf(host);
    work = mkdtempSync(join(tmpdir(), 'atomic-dashboard-routes-'));
  }, 120_000);
  afterAll(async () => {
    await host?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('serves the built dashboard at /_dashboard/ with a strict content security policy', async () => {
    const redirect = await request(`${host.url}/_dashboard`);
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/_dashboard/');
    const page = await request(`${host.url}/_dashboard/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.text).toContain('<script src="app.js"></script>');
    for (const [file, type] of [['app.js', 'text/javascript'], ['app.css', 'text/css']] as const) {
      const response = await request(`${host.url}/_dashboard/${file}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(`${type}; charset=utf-8`);
    }
    for (const path of ['nothing.js', 'nothing', '..%2Fpackage.json', '%2e%2e/package.json', 'app.js/x']) {
      expect((await request(`${host.url}/_dashboard/${path}`)).status, path).toBe(404);
    }
    expect((await request(`${host.url}/_dashboard/`, { method: 'POST' })).status).toBe(405);
  });

  it('sends a browser asking for / to the dashboard; clients asking for data still get the drive', async () => {
    const browser = await request(`${host.url}/`, { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' });
    expect(browser.status).toBe(303);
    expect(browser.headers.get('location')).toBe('/_dashboard/');
    expect(browser.headers.get('vary')).toBe('accept');
    for (const accept of ['application/ad+json', 'application/json', '*/*', undefined]) {
      // The drive is the bare origin (what is signed), sent as "/".
      const data = await request(host.url, { agent: owner, ...(accept ? { accept } : {}) });
      expect(data.status, String(accept)).toBe(200);
      expect(data.body?.['@id'], String(accept)).toBe(host.url);
    }
    // Only the drive: other resources are served as they were, whatever the browser prefers.
    expect((await request(`${host.url}/agents/${encodeURIComponent(owner.publicKey)}`, { accept: 'text/html,*/*;q=0.8' })).status).not.toBe(303);
  });

  it('lists the reference plugins with their permissions, reasons and signature, to anyone', async () => {
    const catalog = (await request(`${host.url}/plugins/store`)).body as unknown as StoreCatalog;
    expect(catalog.serverUrl).toBe(host.url);
    expect(catalog.trust).toEqual({ requireSignature: false, trustedPublishers: [] });
    const { publisher, plugins } = index();
    for (const [name, shipped] of Object.entries(plugins)) {
      const entry = entryOf(catalog, shipped.plugin, 'reference');
      expect(entry, name).toMatchObject({ reference: name, problems: [] });
      const [version] = entry!.versions;
      expect(version).toMatchObject({ version: shipped.version, digest: shipped.digest });
      expect(version!.permissions.every((p) => p.reason.length > 0)).toBe(true);
      expect(version!.signature).toMatchObject({ status: 'signed', accepted: true, publicKey: publisher.publicKey, publisherKind: publisher.kind });
      expect(version!.packageUrl).toBeUndefined();
    }
  });

  it('stages a reference package for agents with write rights on the drive, and describes it', async () => {
    const url = (name: string) => `${host.url}/plugins/store/reference?name=${name}`;
    expect((await request(url('crud'), { method: 'POST' })).status).toBe(401);
    const stranger = await registerAgent(host.url);
    expect((await request(url('crud'), { method: 'POST', agent: stranger })).status).toBe(403);
    const unknown = await request(url('nope'), { method: 'POST', agent: owner });
    expect(unknown.status).toBe(404);
    expect(String(unknown.body?.[props.description])).toContain('crud');
    expect((await request(`${host.url}/plugins/store/reference`, { method: 'POST', agent: owner })).status).toBe(400);
    expect((await request(url('crud'), { agent: owner })).status).toBe(405);

    const staged = await request(url('crud'), { method: 'POST', agent: owner });
    expect(staged.status).toBe(201);
    const { '@id': packageUrl, sha256 } = staged.body as { '@id': string; sha256: string };
    expect(packageUrl).toBe(`${host.url}/plugins/packages/${sha256}`);
    const bytes = Buffer.from(await (await fetch(packageUrl)).arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha256);

    const described = await request(`${host.url}/plugins/store/package?url=${encodeURIComponent(packageUrl)}`);
    expect(described.status).toBe(200);
    const description = described.body as unknown as PackageDescription;
    expect(description).toMatchObject({ packageUrl, namespace: 'atomic', name: 'crud', digest: index().plugins.crud!.digest, runtime: 'js' });
    expect(description.configSchema).toMatchObject({ type: 'object' });
    expect(description.signature.publisherKind).toBe('development');
    expect((await request(`${host.url}/plugins/store/package`)).status).toBe(400);
    expect((await request(`${host.url}/plugins/store/package?url=${encodeURIComponent(`${host.url}/plugins/packages/${'0'.repeat(64)}`)}`)).status).toBe(404);
    expect((await request(`${host.url}/plugins/store/elsewhere`)).status).toBe(404);
  });

  it('lists what is published to the registry, to those who may read it, with what is wrong with a release', async () => {
    const dir = join(repoRoot, 'fixtures/plugins/configurable');
    const zip = buildPackage({ 'plugin.json': readFileSync(join(dir, 'plugin.json')), 'plugin.js': (await bundlePlugin(dir, 'index.ts')).script });
    const file = join(work, 'configurable.zip');
    writeFileSync(file, zip);
    const env = cliEnv(join(work, 'config.json'), { ATOMIC_SERVER_URL: host.url, ATOMIC_AGENT_SECRET: host.secret });
    const published = expectSuccess<{ release: string; listing: string; packageUrl: string }>(await runCli(['publish', file, '--server', host.url, '--json'], { env }), 'publish');

    const catalog = (await request(`${host.url}/plugins/store`)).body as unknown as StoreCatalog;
    const entry = entryOf(catalog, 'test/configurable', 'registry');
    expect(entry).toMatchObject({ listing: published.listing, author: 'atomic-plugin tests', problems: [] });
    expect(entry!.versions).toHaveLength(1);
    expect(entry!.versions[0]).toMatchObject({ version: '0.1.0', release: published.release, packageUrl: published.packageUrl, signature: { status: 'unsigned', accepted: true } });
    expect(entry!.versions[0]!.permissions.map((p) => p.name)).toEqual(['read', 'storage']);

    // A listing only its owner may read, with a release whose package this server does not have.
    const local = localProps(host.url);
    const hidden = uniqueSubject(host.url, 'registry-hidden');
    const release = `${hidden}/1.0.0`;
    await createResource(host.url, owner, hidden, { [props.isA]: [local.pluginListing], [props.name]: 'hidden', [props.plugin.namespace]: 'test', [local.releases]: [release] });
    await createResource(host.url, owner, release, {
      [props.isA]: [local.pluginRelease],
      [props.parent]: hidden,
      [props.plugin.version]: '1.0.0',
      [props.plugin.file]: `${host.url}/plugins/packages/${'1'.repeat(64)}`,
      [local.packageDigest]: `sha256:${'1'.repeat(64)}`,
    });
    expect(entryOf((await request(`${host.url}/plugins/store`)).body as unknown as StoreCatalog, 'test/hidden', 'registry')).toBeUndefined();
    const seen = entryOf((await request(`${host.url}/plugins/store`, { agent: owner })).body as unknown as StoreCatalog, 'test/hidden', 'registry');
    expect(seen?.versions).toEqual([]);
    expect(seen?.problems).toEqual([`${release}: its package ${host.url}/plugins/packages/${'1'.repeat(64)} is not on this server`]);
  });
});

describe('the store under a trust policy', () => {
  let host: HostProcess;
  afterAll(() => host?.dispose());

  it('marks packages by trusted publishers, and those the host would refuse', async () => {
    const { publisher } = index();
    host = await startHostProcess({ extraArgs: ['--trust-publisher', publisher.publicKey] });
    let catalog = (await request(`${host.url}/plugins/store`)).body as unknown as StoreCatalog;
    expect(catalog.trust.trustedPublishers).toEqual([publisher.publicKey]);
    expect(entryOf(catalog, 'atomic/crud', 'reference')?.versions[0]?.signature).toMatchObject({ status: 'trusted', accepted: true });
    await host.stop();
    host = await startHostProcess({ dataDir: host.dataDir, port: host.port, extraArgs: ['--trust-publisher', 'https://someone.example/agents/else'] });
    catalog = (await request(`${host.url}/plugins/store`)).body as unknown as StoreCatalog;
    const signature = entryOf(catalog, 'atomic/crud', 'reference')?.versions[0]?.signature;
    expect(signature).toMatchObject({ status: 'signed', accepted: false });
    expect(signature?.detail).toContain('this server will refuse it');
  }, 180_000);
});
