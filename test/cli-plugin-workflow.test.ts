// The plugin author's path through the real CLI against a real server, in a temp folder:
// new → build → sign → verify → agent login → install → call the endpoint → config set → logs →
// update → disable/enable → list → uninstall, and the scaffolded project's own test.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSecret } from '../server/atomic/agent.js';
import { parseManifest } from '../server/plugins/manifest.js';
import { cliEnv, jsonError, linkAtomicPlugin, runCli, type CliRun } from './support/cli-run.js';
import { cliPath, repoRoot, startHostProcess, type HostProcess } from './support/host-process.js';

describe('a wasm plugin from `new` to `uninstall`', () => {
  let host: HostProcess;
  let work: string;
  let project: string;
  let configPath: string;
  let zip: string;
  const endpoint = () => `${host.url}/plugins/acme/hello/hello`;
  // Credentials come from the config file written by `agent login` once that has run.
  const cli = (...args: string[]): Promise<CliRun> => runCli(args, { env: cliEnv(configPath), cwd: work });
  const json = async <T>(...args: string[]): Promise<T> => {
    const run = await cli(...args, '--json');
    expect(run.code, `${args.join(' ')}\n${run.stdout}${run.stderr}`).toBe(0);
    return JSON.parse(run.stdout) as T;
  };

  beforeAll(async () => {
    host = await startHostProcess();
    work = mkdtempSync(join(tmpdir(), 'atomic-plugin-cli-'));
    project = join(work, 'hello');
    configPath = join(work, 'config', 'atomic-plugin.json');
  }, 60_000);
  afterAll(async () => {
    await host?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('new --yes scaffolds a project whose plugin.json passes the manifest schema', async () => {
    const result = await json<{ plugin: string; files: string[] }>(
      'new', 'hello', '--namespace', 'acme', '--hooks', 'endpoint,before-commit,after-commit,on-resource-get,schedule,plugin-events',
      '--permission', 'read:Reads the resources it greets.', '--yes',
    );
    expect(result.plugin).toBe('acme/hello');
    expect(result.files).toEqual(['.github/workflows/plugin.yml', '.gitignore', 'README.md', 'fixtures/conformance/01-installed.json', 'fixtures/conformance/02-hello.json', 'index.ts', 'package.json', 'plugin.json', 'test/plugin.test.mjs']);
    const manifest = parseManifest(JSON.parse(readFileSync(join(project, 'plugin.json'), 'utf8')));
    expect(manifest.permissions).toEqual([{ name: 'read', reason: 'Reads the resources it greets.' }]);
    expect(Object.keys(manifest.hooks).sort()).toEqual(['afterCommit', 'beforeCommit', 'endpoints', 'onResourceGet', 'pluginEvents', 'schedules']);
    const source = readFileSync(join(project, 'index.ts'), 'utf8');
    for (const hook of ['handle_request', 'before_commit', 'after_commit', 'on_resource_get', 'on_schedule', 'on_plugin_event']) expect(source).toContain(`export function ${hook}()`);
    expect(source).toContain('from "atomic-plugin/sdk/assemblyscript"');
    expect(JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')).scripts.build).toBe('atomic-plugin build');
  });

  it('new refuses a folder that is not empty, and a runtime that does not exist', async () => {
    const again = await cli('new', 'hello', '--yes', '--json');
    expect(again.code).toBe(1);
    expect(jsonError(again).code).toBe('FOLDER_NOT_EMPTY');
    const rust = await cli('new', 'other', '--runtime', 'rust', '--yes');
    expect(rust.code).toBe(2);
    expect(rust.stderr).toContain('Expected --runtime=rust to be one of: wasm, js, process');
    expect(existsSync(join(work, 'other'))).toBe(false);
  });

  it('build compiles, checks and packages it, printing path and digest', async () => {
    linkAtomicPlugin(project);
    const built = await runCli(['build', '--json'], { env: cliEnv(configPath), cwd: project });
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toContain('Compiling index.ts with asc');
    const result = JSON.parse(built.stdout) as { path: string; digest: string; plugin: string; version: string };
    zip = result.path;
    expect(zip).toBe(join(project, 'dist', 'acme-hello-0.1.0.zip'));
    expect(result.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(existsSync(zip)).toBe(true);
  }, 120_000);

  it('agent login checks the secret against the server and saves it readable by the user only', async () => {
    const wrong = await runCli(['agent', 'login', '--server', host.url, '--json'], {
      env: cliEnv(configPath, { ATOMIC_AGENT_SECRET: Buffer.from(JSON.stringify({ privateKey: 'CapMWIhFUT+w7ANv9oCPqrHrwZpkP2JhzF9JnyT6WcI=', subject: `${host.url}/agents/7LsjMW5gOfDdJzK/atgjQ1t20J/rw8MjVg6xwqm+h8U=` })).toString('base64') }),
    });
    expect(wrong.code).toBe(1);
    expect(jsonError(wrong).code).toBe('LOGIN_FAILED');
    expect(existsSync(configPath)).toBe(false);

    const login = await runCli(['agent', 'login', '--server', host.url, '--json'], { env: cliEnv(configPath, { ATOMIC_AGENT_SECRET: host.secret }) });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).not.toContain(host.secret);
    expect(statSync(configPath).mode & 0o777).toBe(0o600);
  });

  it('sign and verify the package; verify refuses a publisher not on the trust list', async () => {
    const signed = await json<{ signer: string; digest: string }>('sign', zip);
    expect(signed.signer).toMatch(`${host.url}/agents/`);
    const verified = await json<{ signed: boolean; signer: string; plugin: string }>('verify', zip, '--trust', signed.signer);
    expect(verified).toMatchObject({ signed: true, signer: signed.signer, plugin: 'acme/hello' });
    const untrusted = await cli('verify', zip, '--trust', '7LsjMW5gOfDdJzK/atgjQ1t20J/rw8MjVg6xwqm+h8U=');
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toContain('UNTRUSTED_PUBLISHER');
  });

  it('install --yes makes it live and prints its endpoints; the endpoint answers', async () => {
    const installed = await cli('install', zip, '--yes', '--json');
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stderr).toContain('read: Reads the resources it greets.');
    const result = JSON.parse(installed.stdout) as { status: string; endpoints: string[]; subject: string; version: string };
    expect(result).toMatchObject({ status: 'active', version: '0.1.0', subject: `${host.url}/plugins/installed/acme-hello`, endpoints: [endpoint()] });
    const answer = await fetch(`${endpoint()}?name=Ann`);
    expect(await answer.json()).toEqual({ message: 'Hello, Ann!' });
    // Its on-resource-get example extends resources as they are served.
    const owner = decodeSecret(host.secret).subject;
    const served = (await (await fetch(owner, { headers: { accept: 'application/ad+json' } })).json()) as Record<string, unknown>;
    expect(served['https://example.com/acme/hello/served-to']).toBe('anyone');
  });

  it('config set changes it through the server, which refuses a config that fails its schema', async () => {
    // Before any change: the package's defaultConfig.
    expect(await json('config', 'get', 'acme/hello')).toEqual({ value: { greeting: 'Hello' } });
    expect(await json('config', 'set', 'acme/hello', 'greeting=Hoi')).toEqual({ greeting: 'Hoi' });
    expect(await (await fetch(`${endpoint()}?name=Ann`)).json()).toEqual({ message: 'Hoi, Ann!' });
    const bad = await cli('config', 'set', 'acme/hello', 'greeting=42');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('/greeting: must be a string');
    expect(bad.stderr).toContain('INVALID_CONFIG');
    expect(await json('config', 'get', 'acme/hello', 'greeting')).toEqual({ key: 'greeting', value: 'Hoi' });
    expect((await cli('config', 'get', 'acme/hello')).stdout).toBe('{\n  "greeting": "Hoi"\n}\n');
  });

  it('logs shows what the plugin logged', async () => {
    const lines = await json<{ level: string; message: string }[]>('logs', 'acme/hello');
    expect(lines.map((l) => l.message)).toContain('greeted: Hoi, Ann!');
    const text = await cli('logs', 'acme/hello');
    expect(text.stdout).toMatch(/^\d{4}-\d\d-\d\dT\S+ info {2}acme\/hello 0\.1\.0 ready$/m);
  });

  it('logs --follow prints lines as they come', async () => {
    const follower = execFile(process.execPath, [cliPath, 'logs', 'acme/hello', '--follow'], { env: cliEnv(configPath) });
    let out = '';
    follower.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const deadline = Date.now() + 15_000;
      while (!out.includes('greeted: Hoi, Ann!') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await fetch(`${endpoint()}?name=Follower`);
      while (!out.includes('greeted: Hoi, Follower!') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain('greeted: Hoi, Follower!');
    } finally {
      follower.kill();
    }
  });

  it('update swaps in a new version without losing the config', async () => {
    const manifestPath = join(project, 'plugin.json');
    writeFileSync(manifestPath, readFileSync(manifestPath, 'utf8').replace('"version": "0.1.0"', '"version": "0.2.0"'));
    const updated = await runCli(['update', 'acme/hello', '.', '--yes', '--json'], { env: cliEnv(configPath), cwd: project });
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ version: '0.2.0', previousVersion: '0.1.0', status: 'active' });
    expect(existsSync(join(project, 'dist', 'acme-hello-0.2.0.zip'))).toBe(true);
    expect(await (await fetch(endpoint())).json()).toEqual({ message: 'Hoi, world!' });
  }, 120_000);

  it('publish to IPFS and the registry; install by ipfs://cid and by name@range', async () => {
    const withData = (...args: string[]) => runCli([...args, '--json'], { env: cliEnv(configPath, { XDG_DATA_HOME: join(work, 'xdg') }), cwd: work });
    const published = await withData('publish', join(project, 'dist', 'acme-hello-0.2.0.zip'), '--ipfs', '--server', host.url);
    expect(published.code, published.stderr).toBe(0);
    const { cid } = JSON.parse(published.stdout) as { cid: string };
    await json('uninstall', 'acme/hello', '--yes');
    const byCid = await withData('install', `ipfs://${cid}`, '--yes');
    expect(byCid.code, byCid.stderr).toBe(0);
    expect(JSON.parse(byCid.stdout)).toMatchObject({ version: '0.2.0', status: 'active' });
    await json('uninstall', 'acme/hello', '--yes');
    expect(await json('install', 'acme/hello@0.2.x', '--yes', '--config', '{"greeting":"Hoi"}')).toMatchObject({ version: '0.2.0', status: 'active' });
    expect(await (await fetch(endpoint())).json()).toEqual({ message: 'Hoi, world!' });
  }, 120_000);

  it('disable stops it and enable starts it again', async () => {
    expect(await json('disable', 'acme/hello')).toMatchObject({ status: 'disabled', enabled: false });
    expect((await fetch(endpoint())).status).toBe(404);
    expect(await json('enable', `${host.url}/plugins/installed/acme-hello`)).toMatchObject({ status: 'active', enabled: true });
    expect((await fetch(endpoint())).status).toBe(200);
  });

  it('list shows status, version, hooks and no error', async () => {
    const plugins = await json<{ plugin: string; version: string; status: string; hooks: string[]; lastError?: string }[]>('list');
    expect(plugins).toHaveLength(1);
    expect(plugins[0]).toMatchObject({ plugin: 'acme/hello', version: '0.2.0', status: 'active' });
    expect(plugins[0]!.hooks).toEqual(['beforeCommit', 'afterCommit', 'onResourceGet', 'schedule:hourly']);
    expect(plugins[0]!.lastError).toBeUndefined();
    const table = await cli('list');
    expect(table.stdout).toMatch(/^PLUGIN\s+VERSION\s+STATUS\s+HOOKS\s+LAST ERROR$/m);
    expect(table.stdout).toMatch(/^acme\/hello\s+0\.2\.0\s+active\s+1 endpoint, beforeCommit/m);
  });

  it('uninstall removes it', async () => {
    const refused = await cli('uninstall', 'acme/hello');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('NOT_INTERACTIVE');
    await json('uninstall', 'acme/hello', '--yes');
    expect((await fetch(endpoint())).status).toBe(404);
    expect(await json('list')).toEqual([]);
    const gone = await cli('uninstall', 'acme/hello', '--yes', '--json');
    expect(jsonError(gone).code).toBe('PLUGIN_NOT_FOUND');
  });

  it("the scaffolded project installs with npm and its own test passes against a server it starts", async () => {
    // What a new user runs in the project: `npm install` (atomic-plugin as a file: link to this
    // checkout, since it runs from a clone) and `npm test` (build, then the project's node:test file,
    // which ends with `atomic-plugin conformance --plugin .`).
    expect(JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')).devDependencies['atomic-plugin']).toBe(`file:${repoRoot.replace(/\/$/, '')}`);
    rmSync(join(project, 'node_modules'), { recursive: true, force: true });
    const npm = (args: string[]) =>
      new Promise<{ code: number; output: string }>((resolve) => {
        execFile('npm', args, { cwd: project, env: cliEnv(join(work, 'none.json')), timeout: 180_000 }, (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, output: stdout + stderr }),
        );
      });
    const installed = await npm(['install', '--no-audit', '--no-fund']);
    expect(installed.code, installed.output).toBe(0);
    const tested = await npm(['test']);
    expect(tested.code, tested.output).toBe(0);
    // Installs and answers, then its conformance scenarios (the starter fixtures) on a server of its own.
    expect(tested.output).toMatch(/# pass 3/);
  }, 240_000);
});

// The same path for the runtimes built with esbuild, one table row each: the scaffold, the build
// (and its checks), signing, installing, the endpoint and the on-resource-get example answering,
// uninstalling, and the scaffolded project's own `npm test`.
const esbuildRuntimes = [
  { runtime: 'js', entry: 'plugin.js', sdk: "from 'atomic-plugin/sdk/js'", hookExport: 'export function handle_request()' },
  { runtime: 'process', entry: 'plugin.mjs', sdk: "from 'atomic-plugin/sdk/node'", hookExport: 'handle_request: hook(handle_request)' },
] as const;

describe.each(esbuildRuntimes)('a $runtime plugin from `new` to `uninstall`', ({ runtime, entry, sdk, hookExport }) => {
  let host: HostProcess;
  let work: string;
  let project: string;
  let zip: string;
  const name = `hello-${runtime}`;
  const endpoint = () => `${host.url}/plugins/acme/${name}/hello`;
  // XDG_DATA_HOME: the CLI's embedded IPFS node lives in the test's folder.
  const env = () => cliEnv(join(work, 'no-config.json'), { ATOMIC_SERVER_URL: host.url, ATOMIC_AGENT_SECRET: host.secret, XDG_DATA_HOME: join(work, 'xdg') });
  const json = async <T>(args: string[], cwd = work): Promise<T> => {
    const run = await runCli([...args, '--json'], { env: env(), cwd });
    expect(run.code, `${args.join(' ')}\n${run.stdout}${run.stderr}`).toBe(0);
    return JSON.parse(run.stdout) as T;
  };

  beforeAll(async () => {
    host = await startHostProcess();
    work = mkdtempSync(join(tmpdir(), `atomic-plugin-cli-${runtime}-`));
    project = join(work, name);
  }, 60_000);
  afterAll(async () => {
    await host?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('new scaffolds a project for the runtime, with the SDK and one example per hook', async () => {
    const result = await json<{ plugin: string; runtime: string; files: string[] }>([
      'new', name, '--namespace', 'acme', '--runtime', runtime, '--hooks', 'endpoint,before-commit,on-resource-get', '--yes',
    ]);
    expect(result).toMatchObject({ plugin: `acme/${name}`, runtime });
    expect(result.files).toEqual(['.github/workflows/plugin.yml', '.gitignore', 'README.md', 'fixtures/conformance/01-installed.json', 'fixtures/conformance/02-hello.json', 'index.ts', 'package.json', 'plugin.json', 'test/plugin.test.mjs']);
    const manifest = parseManifest(JSON.parse(readFileSync(join(project, 'plugin.json'), 'utf8')));
    expect(manifest).toMatchObject({ runtime, entry });
    expect(Object.keys(manifest.hooks).sort()).toEqual(['beforeCommit', 'endpoints', 'onResourceGet']);
    const source = readFileSync(join(project, 'index.ts'), 'utf8');
    expect(source).toContain(sdk);
    expect(source).toContain(hookExport);
    expect(JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')).scripts).toMatchObject({ build: 'atomic-plugin build' });
  });

  it('build bundles it with esbuild, checks its exports and packages it', async () => {
    linkAtomicPlugin(project);
    const built = await runCli(['build', '--json'], { env: env(), cwd: project });
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toContain('Compiling index.ts with esbuild');
    const result = JSON.parse(built.stdout) as { path: string; digest: string };
    zip = result.path;
    expect(zip).toBe(join(project, 'dist', `acme-${name}-0.1.0.zip`));
    expect(result.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The bundle carries the SDK: nothing is imported from atomic-plugin at run time.
    expect(readFileSync(join(project, 'dist', entry), 'utf8')).not.toContain('atomic-plugin/sdk');
  }, 120_000);

  it('sign, install --yes, and the endpoint and on-resource-get example answer', async () => {
    const signed = await json<{ signer: string }>(['sign', zip]);
    expect(signed.signer).toMatch(`${host.url}/agents/`);
    const installed = await json<{ status: string; endpoints: string[]; version: string }>(['install', zip, '--yes']);
    expect(installed).toMatchObject({ status: 'active', version: '0.1.0', endpoints: [endpoint()] });
    expect(await (await fetch(`${endpoint()}?name=Ann`)).json()).toEqual({ message: 'Hello, Ann!' });
    const owner = decodeSecret(host.secret).subject;
    const served = (await (await fetch(owner, { headers: { accept: 'application/ad+json' } })).json()) as Record<string, unknown>;
    expect(served[`https://example.com/acme/${name}/served-to`]).toBe('anyone');
  }, 60_000);

  it('config set re-initializes it; update to a new version keeps the config', async () => {
    expect(await json(['config', 'set', `acme/${name}`, 'greeting=Hoi'])).toEqual({ greeting: 'Hoi' });
    expect(await (await fetch(`${endpoint()}?name=Ann`)).json()).toEqual({ message: 'Hoi, Ann!' });
    const bad = await runCli(['config', 'set', `acme/${name}`, 'greeting='], { env: env(), cwd: work });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('INVALID_CONFIG');
    const manifestPath = join(project, 'plugin.json');
    writeFileSync(manifestPath, readFileSync(manifestPath, 'utf8').replace('"version": "0.1.0"', '"version": "0.2.0"'));
    const updated = await json<{ version: string; previousVersion: string; status: string }>(['update', `acme/${name}`, '.', '--yes'], project);
    expect(updated).toMatchObject({ version: '0.2.0', previousVersion: '0.1.0', status: 'active' });
    expect(await (await fetch(endpoint())).json()).toEqual({ message: 'Hoi, world!' });
  }, 120_000);

  it('publish to IPFS and the registry; install by ipfs://cid and by name@range', async () => {
    const published = await json<{ created: boolean; cid: string }>(['publish', join(project, 'dist', `acme-${name}-0.2.0.zip`), '--ipfs', '--server', host.url]);
    expect(published).toMatchObject({ created: true, cid: expect.stringMatching(/^Qm/) });
    await json(['uninstall', `acme/${name}`, '--yes']);
    const byCid = await json<{ version: string; status: string }>(['install', `ipfs://${published.cid}`, '--yes']);
    expect(byCid).toMatchObject({ version: '0.2.0', status: 'active' });
    await json(['uninstall', `acme/${name}`, '--yes']);
    const byName = await json<{ version: string; status: string; endpoints: string[] }>(['install', `acme/${name}@^0.2`, '--yes']);
    expect(byName).toMatchObject({ version: '0.2.0', status: 'active', endpoints: [endpoint()] });
    expect(await (await fetch(`${endpoint()}?name=Bo`)).json()).toEqual({ message: 'Hello, Bo!' });
  }, 120_000);

  it('uninstall removes it', async () => {
    await json(['uninstall', `acme/${name}`, '--yes']);
    expect((await fetch(endpoint())).status).toBe(404);
    expect(await json(['list'])).toEqual([]);
  });

  it("the scaffolded project's own test passes against a server it starts", async () => {
    rmSync(join(project, 'node_modules'), { recursive: true, force: true });
    const npm = (args: string[]) =>
      new Promise<{ code: number; output: string }>((resolve) => {
        execFile('npm', args, { cwd: project, env: cliEnv(join(work, 'none.json')), timeout: 180_000 }, (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, output: stdout + stderr }),
        );
      });
    const installed = await npm(['install', '--no-audit', '--no-fund']);
    expect(installed.code, installed.output).toBe(0);
    const tested = await npm(['test']);
    expect(tested.code, tested.output).toBe(0);
    // Installs and answers, then its conformance scenarios (the starter fixtures) on a server of its own.
    expect(tested.output).toMatch(/# pass 3/);
  }, 240_000);
});
