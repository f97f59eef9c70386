// What only the process runtime has, end to end through a real `atomic-plugin serve`: plugins of
// all three runtimes calling each other's provided functions by namespace/name@range, the run and
// data folders on disk, and a crash loop reaching the breaker, visible on the Plugin resource.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentIdentity } from '../server/atomic/agent.js';
import { localProps, props } from '../server/atomic/urls.js';
import { pluginDataPath } from '../server/plugins/run-folder.js';
import { buildPackage, signPackage } from '../server/plugins/package.js';
import { createResource, getAs, ownerOf, postCommit, uniqueSubject } from './support/commits.js';
import { fixtureManifest, fixturePackage, jsFixtures, processFixtures, wasmFixtures } from './support/fixtures.js';
import { startHostProcess, type HostProcess } from './support/host-process.js';
import { installPlugin, uploadPackage } from './support/plugins.js';
import { bundleProcessSource } from './support/process-bundle.js';

const ALL = ['read', 'write', 'storage', 'network', 'call-plugins', 'monitor'];

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('process plugins next to wasm and js plugins', () => {
  let host: HostProcess;
  let owner: AgentIdentity;

  beforeAll(async () => {
    host = await startHostProcess();
    owner = ownerOf(host);
    // The wasm probe provides test/greeter 1.2.0; the process probe (another namespace) 1.5.0; the
    // js probe (a third namespace) 1.7.0. None of them ever answers its own call_plugin.
    const greeter = (version: string) => [{ name: 'test/greeter', version, functions: ['greet'] }];
    const wasm = await uploadPackage(host.url, await fixturePackage(wasmFixtures, 'probe', owner), owner);
    const proc = await uploadPackage(host.url, await fixturePackage(processFixtures, 'probe', owner, { manifestChanges: { namespace: 'proc', provides: greeter('1.5.0') } }), owner);
    const js = await uploadPackage(host.url, await fixturePackage(jsFixtures, 'probe', owner, { manifestChanges: { namespace: 'js', provides: greeter('1.7.0') } }), owner);
    expect((await installPlugin(host.url, owner, `${host.url}/installed/wasm-probe`, wasm, { granted: ALL })).status).toBe(200);
    expect((await installPlugin(host.url, owner, `${host.url}/installed/process-probe`, proc, { granted: ALL })).status).toBe(200);
    expect((await installPlugin(host.url, owner, `${host.url}/installed/js-probe`, js, { granted: ALL })).status).toBe(200);
  }, 180_000);
  afterAll(() => host.dispose());

  it('lets a wasm plugin call a process plugin by namespace/name@range, and the other way round', async () => {
    const fromWasm = await fetch(`${host.url}/plugins/test/probe/call?plugin=${encodeURIComponent('test/greeter@~1.5.0')}&fn=greet`, { method: 'POST', body: JSON.stringify({ name: 'Ada' }) });
    expect(fromWasm.status).toBe(200);
    expect(await fromWasm.json()).toEqual({ greeting: 'hello Ada' });
    const fromProcess = await fetch(`${host.url}/plugins/proc/probe/call?plugin=${encodeURIComponent('test/greeter@~1.2.0')}&fn=greet`, { method: 'POST', body: JSON.stringify({ name: 'Grace' }) });
    expect(fromProcess.status).toBe(200);
    expect(await fromProcess.json()).toEqual({ greeting: 'hello Grace' });
  });

  it('lets a js plugin call a process plugin by namespace/name@range, and the other way round', async () => {
    const call = (from: string, range: string, name: string) =>
      fetch(`${host.url}/plugins/${from}/probe/call?plugin=${encodeURIComponent(`test/greeter@${range}`)}&fn=greet`, { method: 'POST', body: JSON.stringify({ name }) });
    const fromJs = await call('js', '~1.5.0', 'Ada');
    expect(fromJs.status).toBe(200);
    expect(await fromJs.json()).toEqual({ greeting: 'hello Ada' });
    const fromProcess = await call('proc', '^1.7.0', 'Grace');
    expect(fromProcess.status).toBe(200);
    expect(await fromProcess.json()).toEqual({ greeting: 'hello Grace' });
  });

  it('runs the process plugin from its extracted package, with a data folder of its own', async () => {
    const runRoot = join(host.dataDir, 'plugins', 'run');
    const runs = readdirSync(runRoot);
    expect(runs.some((digest) => existsSync(join(runRoot, digest, 'plugin.mjs')))).toBe(true);
    expect(existsSync(pluginDataPath(host.dataDir, `${host.url}/installed/process-probe`))).toBe(true);
    // The wasm plugin runs from memory: no folders for it.
    expect(existsSync(pluginDataPath(host.dataDir, `${host.url}/installed/wasm-probe`))).toBe(false);
  });

  it('uses the ordinary Atomic Data HTTP API as its own agent, with exactly its rights', async () => {
    // GET a URL with signed headers (or not), and POST a signed commit, straight to the server.
    const code = await bundleProcessSource(`
      import { definePlugin, pluginContext, signedHeaders, signCommit } from 'sdk';
      import { readFileSync } from 'node:fs';
      const attempt = (fn) => { try { fn(); return 'allowed'; } catch (e) { return e.code ?? e.message; } };
      const get = async (url, signed) => (await fetch(url, { headers: { accept: 'application/ad+json', ...(signed ? signedHeaders(pluginContext().agent, url) : {}) } })).status;
      definePlugin({ exports: { handle_request: async (req) => {
        const { serverUrl, agent } = pluginContext();
        const subject = req.query.subject;
        if (!subject) return { status: 200, body: agent.subject };
        const commit = (target, set) => fetch(serverUrl + '/commit', { method: 'POST', headers: { 'content-type': 'application/ad+json' }, body: JSON.stringify(signCommit(agent, { subject: target, set })) }).then((r) => r.status);
        const answer = {
          agent: agent.subject,
          signed: await get(subject, true),
          unsigned: await get(subject, false),
          ownAgent: await commit(agent.subject, { 'https://atomicdata.dev/properties/description': 'changed by myself' }),
          drive: await commit(serverUrl, { 'https://atomicdata.dev/properties/name': 'taken over' }),
          // The host's data folder holds the owner's and every plugin's keys: out of reach.
          ownerSecret: attempt(() => readFileSync(pluginContext().dataDir + '/../../../agent.secret')),
          store: attempt(() => readFileSync(pluginContext().dataDir + '/../../../store/data.mdb')),
        };
        return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(answer) };
      } } });`);
    const manifest = fixtureManifest(processFixtures, 'probe', { name: 'direct', permissions: [], hooks: { endpoints: [{ path: 'go', methods: ['GET'] }] }, provides: [] });
    const zip = signPackage(buildPackage({ 'plugin.json': new TextEncoder().encode(JSON.stringify(manifest)), 'plugin.mjs': code }), owner);
    const url = await uploadPackage(host.url, zip, owner);
    const installation = `${host.url}/installed/direct`;
    expect((await installPlugin(host.url, owner, installation, url, { granted: [] })).status).toBe(200);
    const agent = await (await fetch(`${host.url}/plugins/test/direct/go`)).text();
    expect(agent).toMatch(`${host.url}/agents/`);
    // Readable by the plugin's agent only.
    const secret = uniqueSubject(host.url, 'for-the-plugin');
    await createResource(host.url, owner, secret, { [props.name]: 'only for the plugin', [props.read]: [agent] });
    const answer = (await (await fetch(`${host.url}/plugins/test/direct/go?subject=${encodeURIComponent(secret)}`)).json()) as Record<string, unknown>;
    expect(answer.agent).toBe(agent);
    expect(answer.signed).toBe(200);
    expect(answer.unsigned).toBeGreaterThanOrEqual(401);
    expect(answer.ownAgent).toBe(200);
    expect(answer.drive).toBeGreaterThanOrEqual(401);
    expect(answer.ownerSecret).toBe('ERR_ACCESS_DENIED');
    expect(answer.store).toBe('ERR_ACCESS_DENIED');
    expect((await getAs(agent, owner)).body?.[props.description]).toBe('changed by myself');
    expect((await getAs(host.url, owner)).body?.[props.name]).not.toBe('taken over');
  });

  it('switches off a process plugin caught in a crash loop, with the reason on its resource', async () => {
    // Starts once (so it installs), then exits at every start: its data folder remembers.
    const code = await bundleProcessSource(`
      import { definePlugin } from 'sdk';
      import { existsSync, writeFileSync } from 'node:fs';
      const marker = process.env.ATOMIC_PLUGIN_DATA_DIR + '/started';
      if (existsSync(marker)) { console.error('refusing to start again'); process.exit(4); }
      writeFileSync(marker, 'yes');
      definePlugin({ exports: { handle_request: () => process.exit(1) } });`);
    const manifest = fixtureManifest(processFixtures, 'probe', {
      name: 'crashy',
      permissions: [],
      hooks: { endpoints: [{ path: 'crash', methods: ['GET'] }] },
      provides: [],
    });
    const zip = signPackage(buildPackage({ 'plugin.json': new TextEncoder().encode(JSON.stringify(manifest)), 'plugin.mjs': code }), owner);
    const url = await uploadPackage(host.url, zip, owner);
    const subject = `${host.url}/installed/crashy`;
    expect((await installPlugin(host.url, owner, subject, url, { granted: [] })).status).toBe(200);
    const crashed = await fetch(`${host.url}/plugins/test/crashy/crash`);
    expect(crashed.status).toBe(502);
    expect(await crashed.text()).toContain('crashed');
    const local = localProps(host.url);
    await waitFor(async () => (await getAs(subject, owner)).body?.[local.pluginStatus] === 'disabled', 20_000, 'the breaker');
    const resource = (await getAs(subject, owner)).body ?? {};
    expect(resource[local.pluginEnabled]).toBe(false);
    expect(String(resource[local.pluginError])).toContain('crash loop');
    expect((await fetch(`${host.url}/plugins/test/crashy/crash`)).status).toBe(404);
    // Uninstalling removes its data folder.
    expect((await postCommit(host.url, { subject, destroy: true }, owner)).status).toBe(200);
    await waitFor(async () => !existsSync(pluginDataPath(host.dataDir, subject)), 5000, 'its data folder to go');
  });
});
