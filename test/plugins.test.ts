// Plugins installed at runtime through the public API: the probe plugin (fixtures/plugins/probe,
// built with the real asc against the AssemblyScript SDK) is packaged, signed, uploaded and
// installed with a signed commit into a running `atomic-plugin serve`, then exercised through HTTP.

import { unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentIdentity } from '../server/atomic/agent.js';
import { signRequestHeaders } from '../server/atomic/auth.js';
import { localProps, props } from '../server/atomic/urls.js';
import { signCommit } from '../server/atomic/commit.js';
import { BREAKER_FAILURES } from '../server/plugins/plugin-host.js';
import { createResource, getAs, ownerOf, postCommit, postSignedCommit, registerAgent, uniqueSubject } from './support/commits.js';

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
import { startHostProcess, type HostProcess } from './support/host-process.js';
import { fixtureManifest, fixturePackage, runtimeFixtures, type RuntimeFixtures } from './support/fixtures.js';
import { installPlugin, uploadPackage } from './support/plugins.js';

const ALL = ['read', 'write', 'storage', 'network', 'call-plugins', 'monitor'];
/** A name that makes the probe's before_commit write the commit's subject into kv `remembered`. */
const REMEMBER = 'probe: remember before';

const runtimes = runtimeFixtures.map((fixtures) => [fixtures.kind, fixtures] as const);

describe.each(runtimes)('a %s plugin installed through a signed commit', (_kind, fixtures) => {
  const probePackage = (publisher: AgentIdentity | undefined, manifestChanges?: Record<string, unknown>) =>
    fixturePackage(fixtures, 'probe', publisher, { manifestChanges });
  let host: HostProcess;
  let owner: AgentIdentity;
  let packageUrl: string;
  let installation: string;
  const endpoint = (path: string) => `${host.url}/plugins/test/probe/${path}`;
  const kv = async (key: string): Promise<unknown> => ((await (await fetch(endpoint(`kv/${key}`))).json()) as { value?: unknown }).value ?? null;

  beforeAll(async () => {
    host = await startHostProcess();
    owner = ownerOf(host);
    packageUrl = await uploadPackage(host.url, await probePackage(owner), owner);
    installation = `${host.url}/installed/probe`;
    const installed = await installPlugin(host.url, owner, installation, packageUrl, { granted: ALL });
    expect(installed.status, installed.text).toBe(200);
  }, 180_000);
  afterAll(() => host.dispose());

  it('serves its endpoints in the same process, right after the commit', async () => {
    const echo = await fetch(endpoint('echo'), { method: 'POST', body: 'hi there', headers: { 'content-type': 'text/plain' } });
    expect(echo.status).toBe(200);
    expect(await echo.text()).toBe('hi there');
    expect(await (await fetch(endpoint('utf8'))).text()).toBe('héllo wörld ✓');
  });

  it('reads resources, runs queries and keeps config as its own agent', async () => {
    const open = uniqueSubject(host.url, 'open');
    await createResource(host.url, owner, open, { [props.name]: 'Readable', [props.read]: ['https://atomicdata.dev/agents/publicAgent'] });
    const read = await fetch(`${endpoint('resource')}?subject=${encodeURIComponent(open)}`);
    expect(read.status).toBe(200);
    expect(((await read.json()) as Record<string, unknown>)[props.name]).toBe('Readable');
    // The drive is the owner's: the plugin's agent may not read it.
    const denied = await fetch(`${endpoint('resource')}?subject=${encodeURIComponent(host.url)}`);
    expect(denied.status).toBeGreaterThanOrEqual(400);
    expect(await (await fetch(endpoint('config'))).json()).toEqual({ greeting: 'hello' });
    const agent = (await (await fetch(endpoint('agent'))).json()) as { subject: string };
    expect(agent.subject).toMatch(`${host.url}/agents/`);
  });

  it('keeps a key/value store that survives calls', async () => {
    expect((await fetch(endpoint('kv/colour'), { method: 'PUT', body: JSON.stringify('blue') })).status).toBe(200);
    expect(await (await fetch(endpoint('kv/colour'))).json()).toEqual({ key: 'colour', value: 'blue' });
    expect((await fetch(endpoint('kv/colour'), { method: 'DELETE' })).status).toBe(200);
  });

  it('lets its before-commit hook refuse a commit, which is then not stored', async () => {
    const subject = uniqueSubject(host.url, 'guarded');
    const refused = await postCommit(host.url, { subject, set: { [props.parent]: host.url, [props.name]: 'forbidden' } }, owner);
    expect(refused.status).toBe(403);
    expect(refused.body?.[props.name]).toBe('PLUGIN_REJECTED');
    expect(String(refused.body?.[props.description])).toContain('names may not be forbidden');
    expect((await getAs(subject, owner)).status).toBe(404);
    expect((await postCommit(host.url, { subject, set: { [props.parent]: host.url, [props.name]: 'fine' } }, owner)).status).toBe(200);
  });

  it('runs a before-commit hook that changes something only for a commit whose signature holds', async () => {
    // Hooks run while the signature is verified; one that writes (kv_set) must wait for the verdict.
    const subject = uniqueSubject(host.url, 'remembered');
    const changes = { subject, set: { [props.parent]: host.url, [props.name]: 'as signed' } };
    const commit = signCommit(changes, owner);
    const forged = await postSignedCommit(host.url, { ...commit, set: { ...commit.set, [props.name]: REMEMBER } });
    expect(forged.status).toBe(401);
    expect(forged.body?.[props.name]).toBe('INVALID_SIGNATURE');
    expect((await getAs(subject, owner)).status).toBe(404);
    expect(await kv('remembered')).not.toBe(subject);
    // Forged commits cannot switch the plugin off: hook calls cancelled for them are not its failures.
    for (let i = 0; i < BREAKER_FAILURES; i++) expect((await postSignedCommit(host.url, { ...commit, set: { ...commit.set, [props.name]: REMEMBER } })).status).toBe(401);
    expect((await getAs(installation, owner)).body?.[localProps(host.url).pluginStatus]).toBe('active');
    expect((await postCommit(host.url, { subject, set: { ...changes.set, [props.name]: REMEMBER } }, owner)).status).toBe(200);
    expect(await kv('remembered')).toBe(subject);
  });

  it('extends resources as they are served (on-resource-get)', async () => {
    const subject = uniqueSubject(host.url, 'extended');
    await createResource(host.url, owner, subject, { [props.name]: 'Plain' });
    const served = await getAs(subject, owner);
    const added = Object.keys(served.body ?? {}).filter((k) => !k.startsWith('https://atomicdata.dev/') && k !== '@id');
    expect(added.length).toBeGreaterThan(0);
  });

  it('refuses to install a package whose config fails its schema, and a permission it does not ask for', async () => {
    const bad = await installPlugin(host.url, owner, `${host.url}/installed/bad-config`, packageUrl, { granted: ALL, config: { greeting: 42 } });
    expect(bad.status).toBe(400);
    expect(bad.body?.[props.name]).toBe('PLUGIN_INVALID');
    const extra = await installPlugin(host.url, owner, `${host.url}/installed/extra`, packageUrl, { granted: ['full-drive-access'] });
    expect(extra.status).toBe(400);
    expect((await getAs(`${host.url}/installed/extra`, owner)).status).toBe(404);
  });

  it('refuses a second installation that takes the same endpoints', async () => {
    const second = await installPlugin(host.url, owner, `${host.url}/installed/probe-again`, packageUrl, { granted: ALL });
    expect(second.status).toBe(409);
    expect(second.body?.[props.name]).toBe('ENDPOINT_TAKEN');
  });

  it('serves a declared top-level path, and refuses one the server reserves', async () => {
    const manifest = fixtureManifest(fixtures, 'probe') as { hooks: Record<string, unknown> };
    const withPath = (path: string) => ({ hooks: { ...manifest.hooks, beforeCommit: undefined, schedules: [], endpoints: [{ path, methods: ['GET'] }] }, provides: [] });
    const top = await uploadPackage(host.url, await probePackage(owner, { namespace: 'top', ...withPath('/probe-top') }), owner);
    expect((await installPlugin(host.url, owner, `${host.url}/installed/top`, top, { granted: ALL })).status).toBe(200);
    const answer = await fetch(`${host.url}/probe-top`);
    expect(answer.status).toBe(404);
    expect(await answer.text()).toContain('no route /probe-top');
    const reserved = await uploadPackage(host.url, await probePackage(owner, { namespace: 'greedy', ...withPath('/agents') }), owner);
    const refused = await installPlugin(host.url, owner, `${host.url}/installed/greedy`, reserved, { granted: ALL });
    expect(refused.status).toBe(409);
    expect(refused.body?.[props.name]).toBe('ENDPOINT_TAKEN');
  });

  it('refuses installs by an agent without write on the drive, even one that may append to it', async () => {
    const stranger = await registerAgent(host.url);
    expect((await installPlugin(host.url, stranger, `${host.url}/installed/stranger`, packageUrl, { granted: ALL })).status).toBe(403);
    expect((await postCommit(host.url, { subject: host.url, push: { [props.append]: [stranger.subject] } }, owner)).status).toBe(200);
    const appended = await installPlugin(host.url, stranger, `${host.url}/installed/appender`, packageUrl, { granted: ALL });
    expect(appended.status).toBe(403);
    expect(String(appended.body?.[props.description])).toContain('write rights on the drive');
    expect((await getAs(`${host.url}/installed/appender`, owner)).status).toBe(404);
  });

  it('shows its status, version, hooks and counters on its resource', async () => {
    const resource = (await getAs(installation, owner)).body ?? {};
    const local = localProps(host.url);
    expect(resource[local.pluginStatus]).toBe('active');
    expect(resource[props.plugin.version]).toBe('0.1.0');
    expect(JSON.stringify(resource[local.pluginHooks])).toContain('/plugins/test/probe/echo');
    expect((resource[local.pluginStats] as { calls: number }).calls).toBeGreaterThan(0);
  });

  it('keeps its log, readable by agents with write rights on its resource, and followable', async () => {
    const logs = (query: string) => `${host.url}/plugins/logs?plugin=${encodeURIComponent(installation)}${query}`;
    expect((await fetch(endpoint('log?level=warn'), { method: 'POST', body: 'a line to find' })).status).toBe(200);
    const read = await getAs(logs(''), owner, 'application/json');
    expect(read.status, read.text).toBe(200);
    const body = JSON.parse(read.text) as { lines: { seq: number; level: string; message: string }[]; next: number };
    const line = body.lines.find((l) => l.message === 'a line to find');
    expect(line?.level).toBe('warn');
    expect(body.next).toBe(body.lines.at(-1)?.seq);

    // Following: a request that waits is answered by the next line.
    const waiting = getAs(logs(`&after=${body.next}&wait=10000`), owner, 'application/json');
    await new Promise((r) => setTimeout(r, 200));
    await fetch(endpoint('log'), { method: 'POST', body: 'a later line' });
    const followed = JSON.parse((await waiting).text) as { lines: { message: string }[] };
    expect(followed.lines.map((l) => l.message)).toContain('a later line');

    expect((await getAs(logs(''), undefined, 'application/json')).status).toBe(401);
    const stranger = await registerAgent(host.url);
    expect((await getAs(logs(''), stranger, 'application/json')).status).toBe(403);
  });

  it('runs its schedule', async () => {
    await waitFor(async () => (await kv('ticks')) !== null, 5000, 'a schedule tick');
    const first = Number(await kv('ticks'));
    await waitFor(async () => Number(await kv('ticks')) > first, 5000, 'another tick');
  });

  it('re-initializes on a config change, and refuses a config that fails its schema', async () => {
    expect((await installPlugin(host.url, owner, installation, packageUrl, { granted: ALL, config: { greeting: 'hoi' }, create: false })).status).toBe(200);
    expect(await (await fetch(endpoint('config'))).json()).toEqual({ greeting: 'hoi' });
    const bad = await installPlugin(host.url, owner, installation, packageUrl, { granted: ALL, config: { greeting: 1 }, create: false });
    expect(bad.status).toBe(400);
    expect(await (await fetch(endpoint('config'))).json()).toEqual({ greeting: 'hoi' });
  });

  it('updates to a new version only when it loads; otherwise the old one keeps serving', async () => {
    const broken = await uploadPackage(host.url, await probePackage(owner, { version: '0.3.0', provides: [{ name: 'test/greeter', version: '1.3.0', functions: ['greet', 'missing'] }] }), owner);
    const refused = await installPlugin(host.url, owner, installation, broken, { granted: ALL, create: false });
    expect(refused.status).toBe(422);
    expect(String(refused.body?.[props.description])).toContain('missing');
    expect((await getAs(installation, owner)).body?.[props.plugin.version]).toBe('0.1.0');
    expect(await (await fetch(endpoint('utf8'))).text()).toBe('héllo wörld ✓');

    const next = await uploadPackage(host.url, await probePackage(owner, { version: '0.2.0' }), owner);
    expect((await installPlugin(host.url, owner, installation, next, { granted: ALL, create: false })).status).toBe(200);
    expect((await getAs(installation, owner)).body?.[props.plugin.version]).toBe('0.2.0');
    expect(await (await fetch(endpoint('utf8'))).text()).toBe('héllo wörld ✓');
  });

  it('answers calls from other plugins by namespace/name@range', async () => {
    // A second copy of the probe in another namespace provides test/greeter too; a plugin is never
    // its own provider.
    const other = await uploadPackage(host.url, await probePackage(owner, { namespace: 'other' }), owner);
    expect((await installPlugin(host.url, owner, `${host.url}/installed/other-probe`, other, { granted: ALL })).status).toBe(200);
    // The first probe hears about it (plugin events).
    await waitFor(async () => JSON.stringify(await kv('last-event')).includes('other/probe'), 5000, 'the installed event');
    const answer = await fetch(`${endpoint('call')}?plugin=${encodeURIComponent('test/greeter@^1.2.0')}&fn=greet`, { method: 'POST', body: JSON.stringify({ name: 'Ada' }) });
    expect(answer.status).toBe(200);
    expect(JSON.stringify(await answer.json())).toContain('Ada');
    const none = await fetch(`${endpoint('call')}?plugin=${encodeURIComponent('test/greeter@^2')}&fn=greet`, { method: 'POST', body: '{}' });
    expect(none.status).toBeGreaterThanOrEqual(400);
  });

  it('can be switched off and on again', async () => {
    const local = localProps(host.url);
    expect((await postCommit(host.url, { subject: installation, set: { [local.pluginEnabled]: false } }, owner)).status).toBe(200);
    expect((await fetch(endpoint('utf8'))).status).toBe(404);
    expect((await getAs(installation, owner)).body?.[local.pluginStatus]).toBe('disabled');
    expect((await postCommit(host.url, { subject: installation, set: { [local.pluginEnabled]: true } }, owner)).status).toBe(200);
    expect(await (await fetch(endpoint('utf8'))).text()).toBe('héllo wörld ✓');
  });

  it('restarts for an operator: a fresh sandbox with the same version and config; others are refused', async () => {
    const local = localProps(host.url);
    const restart = async (agent?: AgentIdentity, plugin = installation) => {
      const url = `${host.url}/plugins/restart?plugin=${encodeURIComponent(plugin)}`;
      const response = await fetch(url, { method: 'POST', headers: agent ? signRequestHeaders(url, agent) : {} });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    expect(await kv('restart-mark')).toBe(null);
    await fetch(endpoint('kv/restart-mark'), { method: 'PUT', body: '"kept"' });
    const stats = () => (getAs(installation, owner).then((r) => r.body?.[local.pluginStats] as { calls: number; restarts: number; latencyMs: Record<string, number> }));
    const before = await stats();
    expect(before.latencyMs.p50).toBeGreaterThanOrEqual(0);
    expect(before.latencyMs.p99).toBeGreaterThanOrEqual(before.latencyMs.p50!);

    expect((await restart()).status).toBe(401);
    expect((await restart(await registerAgent(host.url))).status).toBe(403);
    expect((await restart(owner, `${host.url}/installed/nothing-here`)).status).toBe(404);
    const restarted = await restart(owner);
    expect(restarted.status, JSON.stringify(restarted.body)).toBe(200);
    const version = (await getAs(installation, owner)).body?.[props.plugin.version];
    expect(restarted.body).toMatchObject({ subject: installation, plugin: 'test/probe', version, status: 'active', restarts: before.restarts + 1 });
    // A fresh sandbox: its counters start again (init is its first call); its data and config stay.
    expect(restarted.body.calls as number).toBeLessThan(before.calls);
    expect(await kv('restart-mark')).toBe('kept');
    expect((await (await fetch(endpoint('config'))).json())).toMatchObject({ greeting: 'hoi' });
    expect((await stats()).restarts).toBe(before.restarts + 1);

    // A plugin that is switched off is switched on, not restarted.
    expect((await postCommit(host.url, { subject: installation, set: { [local.pluginEnabled]: false } }, owner)).status).toBe(200);
    const off = await restart(owner);
    expect(off.status).toBe(409);
    expect(JSON.stringify(off.body)).toContain('PLUGIN_DISABLED');
    expect((await postCommit(host.url, { subject: installation, set: { [local.pluginEnabled]: true } }, owner)).status).toBe(200);
  });

  it('comes back after a restart, and is gone after uninstall', async () => {
    await host.stop();
    host = await startHostProcess({ dataDir: host.dataDir, port: host.port });
    expect(await (await fetch(endpoint('utf8'))).text()).toBe('héllo wörld ✓');
    const destroyed = await postCommit(host.url, { subject: installation, destroy: true }, owner);
    expect(destroyed.status).toBe(200);
    expect((await fetch(endpoint('utf8'))).status).toBe(404);
  });
});

describe.each(runtimes)('a host that requires signed packages (%s)', (_kind, fixtures: RuntimeFixtures) => {
  let host: HostProcess;
  let owner: AgentIdentity;
  beforeAll(async () => {
    host = await startHostProcess({ extraArgs: ['--require-signed'] });
    owner = ownerOf(host);
  }, 180_000);
  afterAll(() => host.dispose());

  it('refuses an unsigned package and a tampered one', async () => {
    const unsigned = await uploadPackage(host.url, await fixturePackage(fixtures, 'probe', undefined), owner);
    const refused = await installPlugin(host.url, owner, `${host.url}/installed/unsigned`, unsigned, { granted: ALL });
    expect(refused.status).toBe(403);
    expect(refused.body?.[props.name]).toBe('UNSIGNED');

    // Change the manifest after signing, keeping the signature: the digest no longer matches.
    const files = unzipSync(await fixturePackage(fixtures, 'probe', owner));
    const manifest = JSON.parse(new TextDecoder().decode(files['plugin.json'])) as Record<string, unknown>;
    files['plugin.json'] = new TextEncoder().encode(JSON.stringify({ ...manifest, description: 'changed after signing' }));
    const tamperedUrl = await uploadPackage(host.url, zipSync(files), owner);
    const result = await installPlugin(host.url, owner, `${host.url}/installed/tampered`, tamperedUrl, { granted: ALL });
    expect(result.status).toBe(400);
    expect(result.body?.[props.name]).toBe('DIGEST_MISMATCH');
    expect((await getAs(`${host.url}/installed/tampered`, owner)).status).toBe(404);
  });
});
