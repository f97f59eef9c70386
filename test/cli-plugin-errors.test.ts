// Bad inputs to the plugin commands, each through the real CLI against a real server (started
// with --require-signed): a clear message, the right code, exit status 1, and nothing installed.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentIdentity, encodeSecret } from '../server/atomic/agent.js';
import { cliEnv, jsonError, linkAtomicPlugin, runCli, type CliRun } from './support/cli-run.js';
import { freePort, startHostProcess, type HostProcess } from './support/host-process.js';

describe('plugin commands given bad input', () => {
  let host: HostProcess;
  let work: string;
  let project: string;
  let unsignedZip: string;
  let signedZip: string;
  const env = (extra: Record<string, string> = {}) => cliEnv(join(work, 'no-config.json'), { ATOMIC_SERVER_URL: host.url, ATOMIC_AGENT_SECRET: host.secret, ...extra });
  const cli = (args: string[], extra: Record<string, string> = {}, cwd?: string): Promise<CliRun> => runCli([...args, '--json'], { env: env(extra), cwd: cwd ?? work });
  /** A copy of the scaffolded project, named like it so that unchanged sources hit the compile cache. */
  const copyProject = (label: string): string => {
    const dir = join(work, label, 'hello');
    cpSync(project, dir, { recursive: true, filter: (src) => !src.includes('node_modules') && !src.includes('dist') });
    linkAtomicPlugin(dir);
    return dir;
  };
  const editFile = (path: string, edit: (text: string) => string) => writeFileSync(path, edit(readFileSync(path, 'utf8')));
  const expectFailure = (run: CliRun, code: string): { code: string; message: string } => {
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const error = jsonError(run);
    expect(error.code, error.message).toBe(code);
    return error;
  };
  const expectNothingInstalled = async () => {
    const list = await cli(['list']);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([]);
  };

  beforeAll(async () => {
    host = await startHostProcess({ extraArgs: ['--require-signed'] });
    work = mkdtempSync(join(tmpdir(), 'atomic-plugin-cli-errors-'));
    project = join(work, 'good', 'hello');
    expect((await cli(['new', 'hello', '--namespace', 'acme', '--dir', project, '--yes'])).code).toBe(0);
    linkAtomicPlugin(project);
    const built = await cli(['build', project]);
    expect(built.code, built.stderr).toBe(0);
    unsignedZip = (JSON.parse(built.stdout) as { path: string }).path;
    signedZip = join(work, 'signed.zip');
    expect((await cli(['sign', unsignedZip, '--output', signedZip])).code).toBe(0);
  }, 180_000);
  afterAll(async () => {
    await host?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('a broken manifest: every problem with its JSON pointer', async () => {
    const dir = copyProject('broken-manifest');
    editFile(join(dir, 'plugin.json'), (t) => t.replace('"version": "0.1.0"', '"version": "one"').replace('"namespace": "acme"', '"namespace": "Acme"'));
    const error = expectFailure(await cli(['build', dir]), 'BAD_MANIFEST');
    expect(error.message).toContain('/version');
    expect(error.message).toContain('/namespace');
    expectFailure(await cli(['install', dir, '--yes']), 'BAD_MANIFEST');
    await expectNothingInstalled();
  });

  it('a hook declared but not exported', async () => {
    const dir = copyProject('missing-export');
    editFile(join(dir, 'plugin.json'), (t) => t.replace('"hooks": {', '"hooks": {\n    "afterCommit": {},'));
    const error = expectFailure(await cli(['build', dir]), 'MISSING_EXPORT');
    expect(error.message).toContain('"after_commit"');
  }, 120_000);

  it('a compile error, shown at file:line', async () => {
    const dir = copyProject('compile-error');
    editFile(join(dir, 'index.ts'), (t) => `${t}\nexport function broken(): i32 {\n  return notDefined;\n}\n`);
    const lines = readFileSync(join(dir, 'index.ts'), 'utf8').split('\n');
    const line = lines.findIndex((l) => l.includes('return notDefined')) + 1;
    const error = expectFailure(await cli(['build', dir]), 'BUILD_FAILED');
    expect(error.message).toContain("Cannot find name 'notDefined'");
    expect(error.message).toContain(`index.ts(${line},`);
    // Without --json, the compiler's report reaches the terminal too.
    const text = await runCli(['build', dir], { env: env(), cwd: work });
    expect(text.code).toBe(1);
    expect(text.stderr).toContain(`index.ts(${line},`);
  }, 120_000);

  it('an import its permissions do not cover', async () => {
    const dir = copyProject('import');
    editFile(join(dir, 'index.ts'), (t) => `${t.replace('  getConfig,', '  getConfig,\n  getResource,')}\nexport function peek(): i32 {\n  return getResource("http://localhost/x").ok ? 1 : 0;\n}\n`);
    const error = expectFailure(await cli(['build', dir]), 'IMPORT_NOT_PERMITTED');
    expect(error.message).toContain('"get_resource" needs permission "read"');
  }, 120_000);

  /** A fresh project of another runtime, scaffolded by `new` and linked as `npm install` would. */
  const newProject = async (label: string, runtime: 'js' | 'process'): Promise<string> => {
    const dir = join(work, label, 'hello');
    const made = await cli(['new', 'hello', '--namespace', 'acme', '--runtime', runtime, '--dir', dir, '--yes']);
    expect(made.code, made.stdout + made.stderr).toBe(0);
    linkAtomicPlugin(dir);
    return dir;
  };

  it('a js syntax error, shown at file:line, and not installed', async () => {
    const dir = await newProject('js-syntax', 'js');
    editFile(join(dir, 'index.ts'), (t) => `${t}\nexport function broken(): number {\n  return (1 +;\n}\n`);
    const line = readFileSync(join(dir, 'index.ts'), 'utf8').split('\n').findIndex((l) => l.includes('return (1 +;')) + 1;
    const error = expectFailure(await cli(['build', dir]), 'BUILD_FAILED');
    expect(error.message).toContain(`index.ts:${line}:14: error: Unexpected ";"`);
    const text = await runCli(['build', dir], { env: env(), cwd: work });
    expect(text.code).toBe(1);
    expect(text.stderr).toContain(`index.ts:${line}:`);
    expectFailure(await cli(['install', dir, '--yes']), 'BUILD_FAILED');
    await expectNothingInstalled();
  }, 120_000);

  it('a js hook declared but not exported', async () => {
    const dir = await newProject('js-export', 'js');
    editFile(join(dir, 'index.ts'), (t) => t.replace('export function handle_request', 'function handle_request'));
    const error = expectFailure(await cli(['build', dir]), 'MISSING_EXPORT');
    expect(error.message).toContain('"handle_request"');
  }, 120_000);

  it('a process plugin without an entry in plugin.json, or one that fails to start', async () => {
    const dir = await newProject('process-start', 'process');
    const manifestPath = join(dir, 'plugin.json');
    const manifest = readFileSync(manifestPath, 'utf8');
    editFile(manifestPath, (t) => t.replace(/\n {2}"entry": "plugin\.mjs",/, ''));
    expect(expectFailure(await cli(['build', dir]), 'BAD_MANIFEST').message).toContain('/entry: is required');
    writeFileSync(manifestPath, manifest);
    editFile(join(dir, 'index.ts'), (t) => t.replace('\ndefinePlugin({', "\nthrow new Error('no config file found');\ndefinePlugin({"));
    const error = expectFailure(await cli(['build', dir]), 'PLUGIN_START_FAILED');
    expect(error.message).toContain('does not start as a process plugin');
    expect(error.message).toContain('Error: no config file found');
    expectFailure(await cli(['install', dir, '--yes']), 'PLUGIN_START_FAILED');
    await expectNothingInstalled();
  }, 120_000);

  it('--compiler extism-js without extism-js on PATH, or for a runtime it does not build', async () => {
    const dir = copyProject('extism-js');
    // Only node's own folder on PATH: extism-js is not there, wherever the test runs.
    const error = expectFailure(await cli(['build', dir, '--compiler', 'extism-js'], { PATH: dirname(process.execPath) }), 'COMPILER_NOT_FOUND');
    expect(error.message).toContain('extism-js is not on PATH');
    const js = await newProject('extism-js-runtime', 'js');
    expect(expectFailure(await cli(['build', js, '--compiler', 'extism-js']), 'INVALID_INPUT').message).toContain('--compiler extism-js does not build js plugins');
  });

  it('an unsigned package on a host that requires signatures', async () => {
    const error = expectFailure(await cli(['install', unsignedZip, '--yes']), 'INSTALL_REFUSED');
    expect(error.message).toMatch(/not signed|unsigned/i);
    expectFailure(await cli(['verify', unsignedZip]), 'VERIFY_FAILED');
    await expectNothingInstalled();
  });

  it('a zip changed after it was signed', async () => {
    const files = unzipSync(new Uint8Array(readFileSync(signedZip)));
    const manifest = JSON.parse(Buffer.from(files['plugin.json']!).toString('utf8')) as Record<string, unknown>;
    files['plugin.json'] = strToU8(JSON.stringify({ ...manifest, description: 'Now with more permissions.' }));
    const tampered = join(work, 'tampered.zip');
    writeFileSync(tampered, zipSync(files));
    expect(expectFailure(await cli(['verify', tampered]), 'VERIFY_FAILED').message).toContain('DIGEST_MISMATCH');
    expect(expectFailure(await cli(['install', tampered, '--yes']), 'VERIFY_FAILED').message).toContain('DIGEST_MISMATCH');
    await expectNothingInstalled();
  });

  it('a missing secret, a secret the server does not know, and an agent without rights', async () => {
    const missing = await runCli(['install', signedZip, '--yes', '--json'], { env: cliEnv(join(work, 'no-config.json'), { ATOMIC_SERVER_URL: host.url }) });
    expect(expectFailure(missing, 'MISSING_SECRET').message).toContain('no agent secret was given');
    expectFailure(await cli(['install', signedZip, '--yes'], { ATOMIC_AGENT_SECRET: 'not a secret' }), 'INVALID_SECRET');
    const stranger = encodeSecret(createAgentIdentity(host.url));
    expectFailure(await cli(['agent', 'login'], { ATOMIC_AGENT_SECRET: stranger }), 'LOGIN_FAILED');
    const refused = expectFailure(await cli(['install', signedZip, '--yes'], { ATOMIC_AGENT_SECRET: stranger }), 'REQUEST_FAILED');
    expect(refused.message).toMatch(/40[13]/);
    await expectNothingInstalled();
  });

  it('a server that is down', async () => {
    const port = await freePort();
    const error = expectFailure(await cli(['install', signedZip, '--yes'], { ATOMIC_SERVER_URL: `http://127.0.0.1:${port}` }), 'SERVER_UNREACHABLE');
    expect(error.message).toContain('is the server running?');
    expectFailure(await cli(['list'], { ATOMIC_SERVER_URL: `http://127.0.0.1:${port}` }), 'SERVER_UNREACHABLE');
  });

  it('a config that fails its schema', async () => {
    const error = expectFailure(await cli(['install', signedZip, '--yes', '--config', '{"greeting": 5}']), 'INVALID_CONFIG');
    expect(error.message).toContain('/greeting: must be a string');
    expectFailure(await cli(['install', signedZip, '--yes', '--config', '{not json']), 'INVALID_INPUT');
    await expectNothingInstalled();
  });

  it('no terminal and no --yes, or a grant the plugin does not ask for', async () => {
    expect(expectFailure(await cli(['install', signedZip]), 'NOT_INTERACTIVE').message).toContain('there is no terminal');
    expectFailure(await cli(['install', signedZip, '--yes', '--grant', 'write']), 'INVALID_INPUT');
    await expectNothingInstalled();
    // And after all that, the good package installs.
    const installed = await cli(['install', signedZip, '--yes']);
    expect(installed.code, installed.stderr).toBe(0);
    const { packageUrl } = JSON.parse(installed.stdout) as { packageUrl: string };
    expect(JSON.parse(installed.stdout)).toMatchObject({ status: 'active', plugin: 'acme/hello' });
    expectFailure(await cli(['install', signedZip, '--yes']), 'INSTALL_REFUSED');
    // A second installation of it at another subject would serve the same endpoint: the server says so.
    const twice = expectFailure(await cli(['install', signedZip, '--yes', '--subject', `${host.url}/plugins/installed/second-hello`]), 'INSTALL_REFUSED');
    expect(twice.message).toContain('already served');
    // Reinstalled from an http(s) URL (the server's own package URL).
    expect((await cli(['uninstall', 'acme/hello', '--yes'])).code).toBe(0);
    const fromUrl = await cli(['install', packageUrl, '--yes']);
    expect(fromUrl.code, fromUrl.stdout + fromUrl.stderr).toBe(0);
    expect(fromUrl.stderr).toContain(`Downloading ${packageUrl}`);
    expectFailure(await cli(['install', `${host.url}/plugins/packages/nothing-here`, '--yes']), 'DOWNLOAD_FAILED');
  });

  it('a plugin that no longer loads shows as failed, with the reason, in list', async () => {
    // Installed while the host accepted unsigned packages, then the host restarts requiring signatures.
    const lax = await startHostProcess();
    try {
      const laxEnv = { ATOMIC_SERVER_URL: lax.url, ATOMIC_AGENT_SECRET: lax.secret };
      expect((await cli(['install', unsignedZip, '--yes'], laxEnv)).code).toBe(0);
      await lax.stop();
      const strict = await startHostProcess({ dataDir: lax.dataDir, port: lax.port, extraArgs: ['--require-signed'] });
      try {
        const list = await cli(['list'], laxEnv);
        expect(list.code, list.stderr).toBe(0);
        const [plugin] = JSON.parse(list.stdout) as { status: string; lastError?: string }[];
        expect(plugin?.status).toBe('failed');
        expect(plugin?.lastError).toMatch(/sign/i);
        const table = await runCli(['list'], { env: env(laxEnv), cwd: work });
        expect(table.stdout).toMatch(/acme\/hello\s+0\.1\.0\s+failed\s+-\s+.*sign/i);
      } finally {
        await strict.stop();
      }
    } finally {
      await lax.dispose();
    }
  }, 120_000);
});
