// Reference plugins end to end: the package's build step (dist/cli/build-reference-plugins.js)
// builds and signs a plugins folder into packages with an index, incrementally; `install
// <short-name>` installs from that index offline, refusing unknown names and tampered packages;
// `serve --with` / `--pack` installs them through the same signed path, prints where they serve,
// and changes nothing on a restart but an older version. The mechanics run against a plugins
// folder made of fixtures (fixtures/reference-plugins: a js and a process plugin), so they do not
// depend on the real plugins/; the real dist/plugins that `npm run build` made is checked too, and
// each plugin in it installed.

import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAgentIdentity, encodeSecret } from '../server/atomic/agent.js';
import { readPackage, signPackage } from '../server/plugins/package.js';
import { loadReferencePackage, readReferenceIndex, type ReferenceIndex } from '../cli/lib/reference-plugins.js';
import { cliEnv, expectCliError, expectSuccess, jsonError, linkAtomicPlugin, runCli, type CliRun } from './support/cli-run.js';
import { cliPath, freePort, repoRoot, startHostProcess, type HostProcess } from './support/host-process.js';

const buildScript = join(repoRoot, 'dist', 'cli', 'build-reference-plugins.js');
const fixturesDir = join(repoRoot, 'fixtures', 'reference-plugins');
const realPluginsDir = join(repoRoot, 'plugins');
const realPackDir = join(repoRoot, 'dist', 'plugins');

interface BuildRun {
  code: number;
  stderr: string;
}

/** Runs the build step on `pluginsDir` into `outDir`, as `npm run build` does on plugins/. */
function runBuild(pluginsDir: string, outDir: string, extraArgs: string[] = [], env: Record<string, string> = {}): Promise<BuildRun> {
  return new Promise((resolve) => {
    const childEnv = { ...process.env, ...env };
    if (!('ATOMIC_PLUGIN_RELEASE_SECRET' in env)) delete childEnv.ATOMIC_PLUGIN_RELEASE_SECRET;
    execFile(process.execPath, [buildScript, '--plugins-dir', pluginsDir, '--out', outDir, ...extraArgs], { env: childEnv, timeout: 120_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stderr });
    });
  });
}

/**
 * A fresh `<work>/<name>/plugins` folder made of the fixture plugins, where `atomic-plugin/sdk/...`
 * resolves. Always at the same depth: a bundle names its inputs by relative path, so the same
 * sources built from another depth would differ.
 */
function fixturePlugins(work: string, name: string): string {
  const pluginsDir = join(work, name, 'plugins');
  cpSync(fixturesDir, pluginsDir, { recursive: true });
  linkAtomicPlugin(join(work, name));
  return pluginsDir;
}

/** Sets `version` in a plugin folder's plugin.json. */
function setVersion(pluginDir: string, version: string): void {
  const path = join(pluginDir, 'plugin.json');
  writeFileSync(path, JSON.stringify({ ...(JSON.parse(readFileSync(path, 'utf8')) as object), version }, null, 2));
}

/** The `serve --json` line in a host's output. */
function serveLine(host: HostProcess): { url: string; pack?: { publisher: { publicKey: string; kind: string }; plugins: PackResult[] } } {
  const line = host.output().split('\n').find((l) => l.startsWith('{"url"'));
  if (!line) throw new Error(`no serve line in:\n${host.output()}`);
  return JSON.parse(line) as ReturnType<typeof serveLine>;
}

interface PackResult {
  name: string;
  plugin: string;
  version: string;
  action: string;
  previousVersion?: string;
  status?: string;
  endpoints: { url: string; description?: string }[];
  error?: { code: string; message: string };
}

describe('reference plugins built from a plugins folder', () => {
  let work: string;
  let pluginsDir: string;
  let packDir: string;
  let index: ReferenceIndex;
  const hosts: HostProcess[] = [];

  const env = (host: HostProcess | undefined, extra: Record<string, string> = {}): NodeJS.ProcessEnv =>
    cliEnv(join(work, 'no-config.json'), {
      ATOMIC_PLUGIN_REFERENCE_DIR: packDir,
      ...(host ? { ATOMIC_SERVER_URL: host.url, ATOMIC_AGENT_SECRET: host.secret } : {}),
      ...extra,
    });
  const cli = (host: HostProcess | undefined, args: string[], extra: Record<string, string> = {}): Promise<CliRun> =>
    runCli([...args, '--json'], { env: env(host, extra), cwd: work });
  const ok = async <T>(host: HostProcess, args: string[], extra: Record<string, string> = {}): Promise<T> =>
    expectSuccess<T>(await cli(host, args, extra), args.join(' '));
  const fails = expectCliError;
  const installed = async (host: HostProcess): Promise<string[]> =>
    (await ok<{ plugin: string; version: string; status: string }[]>(host, ['list'])).map((p) => `${p.plugin}@${p.version} ${p.status}`).sort();
  const startHost = async (options: { dataDir?: string; port?: number; args?: string[]; packDir?: string } = {}): Promise<HostProcess> => {
    const host = await startHostProcess({
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      ...(options.port ? { port: options.port } : {}),
      extraArgs: options.args ?? [],
      env: { ...process.env, ATOMIC_PLUGIN_REFERENCE_DIR: options.packDir ?? packDir },
      startTimeoutMs: 60_000,
    });
    hosts.push(host);
    return host;
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'atomic-plugin-reference-'));
    pluginsDir = fixturePlugins(work, 'main');
    packDir = join(work, 'main', 'pack');
    const run = await runBuild(pluginsDir, packDir);
    expect(run.code, run.stderr).toBe(0);
    index = readReferenceIndex(packDir);
  }, 180_000);

  afterAll(async () => {
    for (const host of hosts) await host.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it('writes every plugin folder as a signed package and an index naming its file, version, digest and publisher key', () => {
    expect(Object.keys(index.plugins).sort()).toEqual(['clock', 'hello']);
    expect(index.publisher.kind).toBe('development');
    for (const [name, entry] of Object.entries(index.plugins)) {
      expect(entry.plugin).toBe(`atomic/${name}`);
      expect(entry.version).toBe('0.1.0');
      expect(entry.publicKey).toBe(index.publisher.publicKey);
      const pkg = readPackage(readFileSync(join(packDir, entry.file)));
      expect(pkg.digest).toBe(entry.digest);
      expect(pkg.signature?.publicKey).toBe(index.publisher.publicKey);
      expect(loadReferencePackage(name, packDir).pkg.digest).toBe(entry.digest);
    }
  });

  it('verifies with `verify --trust <the index publisher key>`', async () => {
    const run = await cli(undefined, ['verify', join(packDir, index.plugins.hello!.file), '--trust', index.publisher.publicKey]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ plugin: 'atomic/hello', signed: true, trusted: true, publicKey: index.publisher.publicKey });
  });

  it('builds nothing again while the inputs are unchanged, and only the plugin whose sources changed', async () => {
    const plugins = fixturePlugins(work, 'incremental');
    const out = join(work, 'incremental', 'pack');
    expect((await runBuild(plugins, out)).code).toBe(0);
    const zips = (): Record<string, string> => Object.fromEntries(readdirSync(out).filter((f) => f.endsWith('.zip')).map((f) => [f, readFileSync(join(out, f)).toString('base64')]));
    const before = zips();

    const again = await runBuild(plugins, out);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('0 built, 0 signed again, 2 unchanged');
    expect(zips()).toEqual(before);

    writeFileSync(join(plugins, 'hello', 'index.ts'), `${readFileSync(join(plugins, 'hello', 'index.ts'), 'utf8')}\n// changed\n`);
    const changed = await runBuild(plugins, out);
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stderr).toContain('1 built, 0 signed again, 1 unchanged');
    expect(changed.stderr).toMatch(/hello: building/);
    const after = zips();
    expect(after['atomic-clock-0.1.0.zip']).toBe(before['atomic-clock-0.1.0.zip']);
    expect(after['atomic-hello-0.1.0.zip']).not.toBe(before['atomic-hello-0.1.0.zip']);

    // A new version replaces the old package file.
    setVersion(join(plugins, 'hello'), '0.2.0');
    expect((await runBuild(plugins, out)).code).toBe(0);
    expect(readdirSync(out).filter((f) => f.endsWith('.zip')).sort()).toEqual(['atomic-clock-0.1.0.zip', 'atomic-hello-0.2.0.zip']);
  });

  it('signs with the release key from ATOMIC_PLUGIN_RELEASE_SECRET, and --release refuses to build without it', async () => {
    const out = join(work, 'release-pack');
    cpSync(packDir, out, { recursive: true });
    const release = createAgentIdentity('https://atomicdata.dev');
    const run = await runBuild(pluginsDir, out, ['--release'], { ATOMIC_PLUGIN_RELEASE_SECRET: encodeSecret(release) });
    expect(run.code, run.stderr).toBe(0);
    // Same inputs: signed again with the other key, not built again.
    expect(run.stderr).toContain('0 built, 2 signed again, 0 unchanged');
    const signed = readReferenceIndex(out);
    expect(signed.publisher).toEqual({ subject: release.subject, publicKey: release.publicKey, kind: 'release' });
    expect(loadReferencePackage('hello', out).pkg.signature?.publicKey).toBe(release.publicKey);

    const refused = await runBuild(pluginsDir, join(work, 'no-release'), ['--release']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('ATOMIC_PLUGIN_RELEASE_SECRET');
    expect(existsSync(join(work, 'no-release', 'index.json'))).toBe(false);
  });

  it('refuses a plugin folder named unlike its plugin', async () => {
    const plugins = fixturePlugins(work, 'misnamed');
    renameSync(join(plugins, 'hello'), join(plugins, 'greeter'));
    const run = await runBuild(plugins, join(work, 'misnamed', 'pack'));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('BAD_MANIFEST');
    expect(run.stderr).toContain('"name": "hello"');
  });

  describe('install <short-name>', () => {
    let host: HostProcess;

    beforeAll(async () => {
      host = await startHost();
    });

    it('installs each reference plugin from the index, offline, and list shows it like any plugin', async () => {
      const hello = await ok<{ plugin: string; version: string; reference: string; status: string; endpoints: string[]; digest: string }>(host, ['install', 'hello', '--yes']);
      expect(hello).toMatchObject({ plugin: 'atomic/hello', version: '0.1.0', reference: 'hello', status: 'active', digest: index.plugins.hello!.digest });
      expect(hello.endpoints).toEqual([`${host.url}/plugins/atomic/hello/hello`]);
      expect(await (await fetch(`${host.url}/plugins/atomic/hello/hello?name=pack`)).json()).toEqual({ message: 'Hello, pack!', version: '0.1.0' });

      const clock = await ok<{ plugin: string; status: string; granted: string[] }>(host, ['install', 'clock', '--yes']);
      expect(clock).toMatchObject({ plugin: 'atomic/clock', status: 'active', granted: ['storage'] });
      expect(((await (await fetch(`${host.url}/plugins/atomic/clock/time`)).json()) as { count: number }).count).toBe(1);

      expect(await installed(host)).toEqual(['atomic/clock@0.1.0 active', 'atomic/hello@0.1.0 active']);
    });

    it('updates by short name to the shipped version, and `update namespace/name` without a source takes the shipped one too', async () => {
      const plugins = fixturePlugins(work, 'newer');
      setVersion(join(plugins, 'hello'), '0.2.0');
      setVersion(join(plugins, 'clock'), '0.2.0');
      const newerPack = join(work, 'newer', 'pack');
      expect((await runBuild(plugins, newerPack)).code).toBe(0);

      const byShortName = await ok<{ version: string; previousVersion: string; reference: string }>(host, ['update', 'hello', '--yes'], { ATOMIC_PLUGIN_REFERENCE_DIR: newerPack });
      expect(byShortName).toMatchObject({ version: '0.2.0', previousVersion: '0.1.0', reference: 'hello' });
      const byId = await ok<{ version: string; previousVersion: string }>(host, ['update', 'atomic/clock', '--yes'], { ATOMIC_PLUGIN_REFERENCE_DIR: newerPack });
      expect(byId).toMatchObject({ version: '0.2.0', previousVersion: '0.1.0' });
      expect(await (await fetch(`${host.url}/plugins/atomic/hello/hello`)).json()).toEqual({ message: 'Hello, world!', version: '0.2.0' });
    });

    it('refuses an unknown short name, listing the ones there are', async () => {
      const error = fails(await cli(host, ['install', 'nosuch', '--yes']), 'REFERENCE_NOT_FOUND');
      expect(error.message).toContain('"nosuch"');
      expect(error.message).toContain('clock, hello');
    });

    it('takes a path that exists over a short name, and says so', async () => {
      const cwd = join(work, 'shadowing');
      mkdirSync(join(cwd, 'hello'), { recursive: true });
      const run = await runCli(['install', 'hello', '--yes', '--json'], { env: env(host), cwd });
      fails(run, 'NOT_A_PLUGIN');
      expect(run.stderr).toContain('installing it rather than the reference plugin hello');
    });

    describe('a shipped package that was tampered with', () => {
      let host2: HostProcess;
      const copyPack = (name: string): string => {
        const dir = join(work, name);
        cpSync(packDir, dir, { recursive: true });
        return dir;
      };

      beforeAll(async () => {
        host2 = await startHost();
      });

      it('is refused when a file changed after signing', async () => {
        const dir = copyPack('tampered-file');
        const file = join(dir, index.plugins.hello!.file);
        const files = unzipSync(readFileSync(file));
        files['plugin.js'] = new TextEncoder().encode(`${new TextDecoder().decode(files['plugin.js'])}\n// injected`);
        writeFileSync(file, zipSync(files));
        const error = fails(await cli(host2, ['install', 'hello', '--yes'], { ATOMIC_PLUGIN_REFERENCE_DIR: dir }), 'VERIFY_FAILED');
        expect(error.message).toContain('DIGEST_MISMATCH');
        expect(await installed(host2)).toEqual([]);
      });

      it('is refused when signed by another key than the index names', async () => {
        const dir = copyPack('tampered-signer');
        const file = join(dir, index.plugins.hello!.file);
        writeFileSync(file, signPackage(readFileSync(file), createAgentIdentity('http://localhost:9883')));
        const error = fails(await cli(host2, ['install', 'hello', '--yes'], { ATOMIC_PLUGIN_REFERENCE_DIR: dir }), 'VERIFY_FAILED');
        expect(error.message).toContain('UNTRUSTED_PUBLISHER');
        expect(await installed(host2)).toEqual([]);
      });

      it('is refused when it is another package than the index records', async () => {
        const dir = copyPack('tampered-swap');
        // clock's package, validly signed by the same key, in hello's place.
        writeFileSync(join(dir, index.plugins.hello!.file), readFileSync(join(dir, index.plugins.clock!.file)));
        const error = fails(await cli(host2, ['install', 'hello', '--yes'], { ATOMIC_PLUGIN_REFERENCE_DIR: dir }), 'VERIFY_FAILED');
        expect(error.message).toContain('the index records atomic/hello@0.1.0');
        expect(await installed(host2)).toEqual([]);
      });

      it('is refused when the index is missing', async () => {
        fails(await cli(host2, ['install', 'hello', '--yes'], { ATOMIC_PLUGIN_REFERENCE_DIR: join(work, 'nowhere') }), 'REFERENCE_INDEX_INVALID');
      });
    });
  });

  describe('serve --with', () => {
    it('installs the reference plugins once it listens, prints where they serve, and changes nothing on a restart', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'atomic-plugin-pack-data-'));
      const first = await startHost({ dataDir, args: ['--with', 'hello,clock'] });
      const report = serveLine(first).pack!;
      expect(report.publisher).toMatchObject({ publicKey: index.publisher.publicKey, kind: 'development' });
      expect(report.plugins.map((p) => [p.name, p.plugin, p.version, p.action, p.status])).toEqual([
        ['hello', 'atomic/hello', '0.1.0', 'installed', 'active'],
        ['clock', 'atomic/clock', '0.1.0', 'installed', 'active'],
      ]);
      expect(report.plugins[0]!.endpoints).toEqual([{ url: `${first.url}/plugins/atomic/hello/hello`, description: 'A greeting, as JSON.' }]);
      expect(report.plugins[1]!.endpoints[0]!.url).toBe(`${first.url}/plugins/atomic/clock/time`);
      expect(((await (await fetch(`${first.url}/plugins/atomic/clock/time`)).json()) as { count: number }).count).toBe(1);
      // Installed with a commit signed by the owner agent: the plugins are ordinary installations.
      expect(await installed(first)).toEqual(['atomic/clock@0.1.0 active', 'atomic/hello@0.1.0 active']);
      const packagesBefore = readdirSync(join(dataDir, 'packages')).length;
      await first.stop();

      const second = await startHost({ dataDir, port: first.port, args: ['--with', 'hello,clock'] });
      expect(serveLine(second).pack!.plugins.map((p) => p.action)).toEqual(['unchanged', 'unchanged']);
      // Nothing uploaded again, and the process plugin kept its data.
      expect(readdirSync(join(dataDir, 'packages')).length).toBe(packagesBefore);
      expect(((await (await fetch(`${second.url}/plugins/atomic/clock/time`)).json()) as { count: number }).count).toBe(2);
      await second.stop();

      // A newer build in the shipped index: the older version is updated, the other left alone.
      const newer = fixturePlugins(work, 'serve-newer');
      setVersion(join(newer, 'hello'), '0.3.0');
      const newerPack = join(work, 'serve-newer', 'pack');
      expect((await runBuild(newer, newerPack)).code).toBe(0);
      const third = await startHost({ dataDir, port: first.port, args: ['--with', 'hello,clock'], packDir: newerPack });
      expect(serveLine(third).pack!.plugins.map((p) => [p.name, p.action, p.version, p.previousVersion])).toEqual([
        ['hello', 'updated', '0.3.0', '0.1.0'],
        ['clock', 'unchanged', '0.1.0', undefined],
      ]);
      expect(await (await fetch(`${third.url}/plugins/atomic/hello/hello`)).json()).toEqual({ message: 'Hello, world!', version: '0.3.0' });
      await third.stop();

      // An index with an older hello leaves the newer installed one alone; clock's sources changed
      // without a new version (a developer's edit): the same version with other files is updated.
      const edited = fixturePlugins(work, 'serve-edited');
      const clockSource = join(edited, 'clock', 'index.ts');
      writeFileSync(clockSource, readFileSync(clockSource, 'utf8').replace('count })', 'count, edited: true })'));
      const editedPack = join(work, 'serve-edited', 'pack');
      expect((await runBuild(edited, editedPack)).code).toBe(0);
      const fourth = await startHost({ dataDir, port: first.port, args: ['--with', 'hello,clock'], packDir: editedPack });
      expect(serveLine(fourth).pack!.plugins.map((p) => [p.name, p.action, p.version])).toEqual([
        ['hello', 'unchanged', '0.3.0'],
        ['clock', 'updated', '0.1.0'],
      ]);
      expect(await (await fetch(`${fourth.url}/plugins/atomic/clock/time`)).json()).toMatchObject({ count: 3, edited: true });
      await fourth.stop();

      // --no-pack: served bare, nothing installed or changed.
      const bare = await startHost({ dataDir, port: first.port, args: ['--with', 'hello', '--no-pack'] });
      expect(serveLine(bare).pack).toBeUndefined();
      await bare.dispose();
    }, 240_000);

    it('prints the endpoints for people', async () => {
      const dataDir = join(work, 'human');
      const child = spawn(process.execPath, [cliPath, 'serve', '--port', String(await freePort()), '--data-dir', dataDir, '--with', 'hello,clock'], {
        env: { ...process.env, ATOMIC_PLUGIN_REFERENCE_DIR: packDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        await vi.waitFor(() => expect(stdout).toContain('Press Ctrl+C to stop.'), { timeout: 60_000, interval: 200 });
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
      const url = stdout.match(/^Serving (\S+)$/m)![1]!;
      expect(stdout).toContain(`Reference plugins (signed with the development key ${index.publisher.publicKey}):`);
      expect(stdout).toMatch(new RegExp(`hello: atomic/hello 0\\.1\\.0, installed\\n +${url}/plugins/atomic/hello/hello +A greeting, as JSON\\.`));
      expect(stdout).toMatch(new RegExp(`clock: atomic/clock 0\\.1\\.0, installed\\n +${url}/plugins/atomic/clock/time +The time`));
      // Progress (permissions, signer) goes to stderr; stdout ends with the plugins and how to stop.
      expect(stdout).not.toContain('Permissions:');
    });

    it('reports a plugin the server refuses under its trust policy, and keeps serving', async () => {
      const other = createAgentIdentity('http://localhost:9883');
      const host = await startHost({ args: ['--with', 'hello', '--trust-publisher', other.publicKey] });
      const [hello] = serveLine(host).pack!.plugins;
      expect(hello).toMatchObject({ name: 'hello', action: 'failed', error: { code: 'INSTALL_REFUSED' } });
      expect(hello!.error!.message).toContain('does not trust');
      expect((await fetch(`${host.url}/properties`)).status).toBe(200);
      // Trusting the index's publisher key lets the same command install it.
      const trusting = await startHost({ args: ['--with', 'hello', '--trust-publisher', index.publisher.publicKey] });
      expect(serveLine(trusting).pack!.plugins[0]).toMatchObject({ action: 'installed', status: 'active' });
    });

    it('stops before serving when a name is not a reference plugin, or --pack names one that was not built', async () => {
      const dataDir = join(work, 'never-served');
      const unknown = await runCli(['serve', '--data-dir', dataDir, '--port', '1', '--with', 'hello,nosuch', '--json'], { env: env(undefined) });
      expect(jsonError(unknown)).toMatchObject({ code: 'REFERENCE_NOT_FOUND' });
      expect(jsonError(unknown).message).toContain('clock, hello');
      const pack = await runCli(['serve', '--data-dir', dataDir, '--port', '1', '--pack', '--json'], { env: env(undefined) });
      expect(jsonError(pack)).toMatchObject({ code: 'REFERENCE_NOT_FOUND' });
      expect(jsonError(pack).message).toContain('"sparql"');
      expect(existsSync(dataDir)).toBe(false);
    });
  });
});

describe('the reference plugins npm run build made (dist/plugins)', () => {
  const folders = existsSync(realPluginsDir)
    ? readdirSync(realPluginsDir).filter((n) => statSync(join(realPluginsDir, n)).isDirectory() && existsSync(join(realPluginsDir, n, 'plugin.json'))).sort()
    : [];

  it('has an index with a verified, signed package for every folder in plugins/', () => {
    const index = readReferenceIndex(realPackDir);
    expect(Object.keys(index.plugins).sort()).toEqual(folders);
    for (const name of folders) {
      const loaded = loadReferencePackage(name, realPackDir);
      expect(loaded.pkg.signature?.publicKey).toBe(index.publisher.publicKey);
      expect(`${loaded.pkg.manifest.namespace}/${loaded.pkg.manifest.name}`).toBe(index.plugins[name]!.plugin);
    }
  });

  it('ships them in the npm package', async () => {
    const files = await new Promise<string[]>((resolve, reject) => {
      // --ignore-scripts: the build already ran (npm test runs it first); running it again here
      // would rewrite dist/ under the other test files.
      execFile('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot, maxBuffer: 64 << 20 }, (error, stdout) => {
        if (error) reject(error);
        else resolve((JSON.parse(stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path));
      });
    });
    expect(files).toContain('dist/plugins/index.json');
    for (const entry of Object.values(readReferenceIndex(realPackDir).plugins)) expect(files).toContain(`dist/plugins/${entry.file}`);
    expect(files.filter((f) => /^plugins\/[^/]+\/(dist|node_modules)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.startsWith('.atomic-plugin/'))).toEqual([]);
  });

  it.runIf(folders.length > 0)('installs each of them by short name on a real server', async () => {
    const work = mkdtempSync(join(tmpdir(), 'atomic-plugin-reference-real-'));
    const host = await startHostProcess({ env: { ...process.env, ATOMIC_PLUGIN_REFERENCE_DIR: realPackDir } });
    try {
      const env = cliEnv(join(work, 'no-config.json'), { ATOMIC_SERVER_URL: host.url, ATOMIC_AGENT_SECRET: host.secret, ATOMIC_PLUGIN_REFERENCE_DIR: realPackDir });
      for (const name of folders) {
        const run = await runCli(['install', name, '--yes', '--json'], { env, cwd: work });
        expect(run.code, `${name}\n${run.stdout}${run.stderr}`).toBe(0);
        expect(JSON.parse(run.stdout)).toMatchObject({ reference: name, status: 'active' });
      }
    } finally {
      await host.dispose();
      rmSync(work, { recursive: true, force: true });
    }
  }, 240_000);

  it.runIf(['sparql', 'crud', 'todo'].every((n) => folders.includes(n)))('serve --pack installs SPARQL, CRUD and TODO and prints their URLs; a restart changes nothing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'atomic-plugin-pack-real-'));
    const env = { ...process.env, ATOMIC_PLUGIN_REFERENCE_DIR: realPackDir };
    const first = await startHostProcess({ dataDir, extraArgs: ['--pack'], env, startTimeoutMs: 120_000 });
    const plugins = serveLine(first).pack!.plugins;
    expect(plugins.map((p) => [p.name, p.action, p.status])).toEqual([
      ['sparql', 'installed', 'active'],
      ['crud', 'installed', 'active'],
      ['todo', 'installed', 'active'],
    ]);
    const urls = plugins.flatMap((p) => p.endpoints.map((e) => e.url));
    expect(urls.some((u) => /\/sparql$/.test(u))).toBe(true);
    expect(urls.some((u) => /\/todo\/?$/.test(u))).toBe(true);
    await first.stop();
    const second = await startHostProcess({ dataDir, port: first.port, extraArgs: ['--pack'], env, startTimeoutMs: 120_000 });
    try {
      expect(serveLine(second).pack!.plugins.map((p) => p.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    } finally {
      await second.dispose();
    }
  }, 300_000);
});
