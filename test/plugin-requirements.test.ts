// Plugins that require other plugins (manifest `requires`), as an operator meets it with the CLI:
// the TODO app requires the CRUD plugin, so the host refuses to install it first, and refuses to
// uninstall or disable the CRUD plugin while the TODO app runs; in the right order all of it works,
// and `serve --with todo` installs the CRUD plugin first by itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, expectSuccess, runCli, type CliRun } from './support/cli-run.js';
import { startHostProcess, type HostProcess } from './support/host-process.js';

describe('plugin requirements', () => {
  let host: HostProcess;
  let work: string;
  const cli = (...args: string[]): Promise<CliRun> =>
    runCli([...args, '--json'], { env: cliEnv(join(work, 'none.json'), { ATOMIC_SERVER_URL: host.url, ATOMIC_AGENT_SECRET: host.secret }), timeoutMs: 120_000 });
  const refused = (run: CliRun): string => {
    expect(run.code, run.stdout + run.stderr).toBe(1);
    return (JSON.parse(run.stdout) as { error: { message: string } }).error.message;
  };
  const installed = async (): Promise<string[]> =>
    expectSuccess<{ plugin: string; status: string }[]>(await cli('list'), 'list').map((p) => `${p.plugin} ${p.status}`).sort();

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'requirements-'));
    host = await startHostProcess({ dataDir: join(work, 'data') });
  }, 60_000);

  afterAll(async () => {
    await host?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('refuses installing the TODO app before the CRUD plugin it requires, and installs nothing', async () => {
    expect(refused(await cli('install', 'todo', '--yes'))).toContain('atomic/todo requires atomic/crud@^0.1.0, which is not installed and active: install atomic/crud first');
    expect(await installed()).toEqual([]);
  });

  it('installs both in order, then refuses to uninstall or disable what the TODO app needs', async () => {
    expectSuccess(await cli('install', 'crud', '--yes'), 'install crud');
    expectSuccess(await cli('install', 'todo', '--yes'), 'install todo');
    expect(refused(await cli('uninstall', 'atomic/crud', '--yes'))).toContain('atomic/todo requires atomic/crud@^0.1.0: uninstall or disable atomic/todo first');
    expect(refused(await cli('disable', 'atomic/crud'))).toContain('atomic/todo requires atomic/crud@^0.1.0');
    expect(await installed()).toEqual(['atomic/crud active', 'atomic/todo active']);
  }, 120_000);

  it('uninstalls the dependent first, then what it required', async () => {
    expectSuccess(await cli('uninstall', 'atomic/todo', '--yes'), 'uninstall todo');
    expectSuccess(await cli('uninstall', 'atomic/crud', '--yes'), 'uninstall crud');
    expect(await installed()).toEqual([]);
  }, 60_000);

  it('serve --with todo installs the CRUD plugin it requires first', async () => {
    const other = await startHostProcess({ dataDir: join(work, 'with-todo'), extraArgs: ['--with', 'todo'], startTimeoutMs: 120_000 });
    try {
      const run = await runCli(['list', '--json'], { env: cliEnv(join(work, 'none.json'), { ATOMIC_SERVER_URL: other.url, ATOMIC_AGENT_SECRET: other.secret }) });
      expect(expectSuccess<{ plugin: string; status: string }[]>(run, 'list').map((p) => `${p.plugin} ${p.status}`).sort()).toEqual(['atomic/crud active', 'atomic/todo active']);
    } finally {
      await other.stop();
    }
  }, 150_000);
});
