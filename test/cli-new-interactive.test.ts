// `atomic-plugin new` and `install` answered through a real pseudo-terminal: util-linux `script` gives the CLI a
// pty, and the test types each answer once the prompt for it has appeared, as a person would.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../server/plugins/manifest.js';
import { cliEnv, linkAtomicPlugin, runCli } from './support/cli-run.js';
import { cliPath, startHostProcess, type HostProcess } from './support/host-process.js';

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const DOWN = '\x1b[B';

/** Runs `command` in a pty; each step waits for its prompt (in the output since the last answer), then types. */
function answerInTerminal(
  command: string,
  cwd: string,
  steps: ReadonlyArray<readonly [RegExp, string]>,
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string; answered: number }> {
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd, env: { ...cliEnv(join(cwd, 'none.json'), env), TERM: 'xterm' } });
  let output = '';
  let answered = 0;
  let since = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString().replace(ANSI, '');
    const step = steps[answered];
    if (step && step[0].test(output.slice(since))) {
      since = output.length;
      answered++;
      // A moment for the prompt to start reading keys after it has drawn itself.
      setTimeout(() => child.stdin.write(step[1]), 50);
    }
  });
  const timer = setTimeout(() => child.kill(), 60_000);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, answered });
    });
  });
}

// `script` comes from util-linux (Debian: bsdutils, which .ci/run installs when it is missing).
describe('atomic-plugin new in a terminal', () => {
  const work = mkdtempSync(join(tmpdir(), 'atomic-plugin-pty-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('asks for name, namespace, description, runtime, hooks and permissions, and scaffolds what was answered', async () => {
    const steps = [
      [/Plugin name/, 'pty-plugin\r'],
      [/Namespace/, 'acme\r'],
      [/Description/, 'Says hello from a terminal.\r'],
      // All three runtimes are offered; move down from wasm to js.
      [/process: a Node program of its own/, `${DOWN}\r`],
      // endpoint is checked already; move down to before-commit and check it too.
      [/Hooks/, `${DOWN} \r`],
      [/Ask for a permission/, 'y\r'],
      [/\? Permission/, '\r'],
      [/Why does it need read/, 'Reads what it greets.\r'],
      [/Ask for another permission/, '\r'],
    ] as const;
    const run = await answerInTerminal(`${process.execPath} ${cliPath} new`, work, steps);
    expect(run.answered, run.output).toBe(steps.length);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('Created acme/pty-plugin');
    const manifest = parseManifest(JSON.parse(readFileSync(join(work, 'pty-plugin', 'plugin.json'), 'utf8')));
    expect(run.output).toMatch(/Runtime[\s\S]*wasm: AssemblyScript[\s\S]*js: TypeScript in a QuickJS sandbox/);
    expect(manifest).toMatchObject({ name: 'pty-plugin', namespace: 'acme', description: 'Says hello from a terminal.', runtime: 'js', entry: 'plugin.js' });
    expect(readFileSync(join(work, 'pty-plugin', 'index.ts'), 'utf8')).toContain("from 'atomic-plugin/sdk/js'");
    expect(manifest.permissions).toEqual([{ name: 'read', reason: 'Reads what it greets.' }]);
    expect(Object.keys(manifest.hooks).sort()).toEqual(['beforeCommit', 'endpoints']);
  }, 90_000);

  it('stops with CANCELLED on Ctrl+C, writing nothing', async () => {
    const run = await answerInTerminal(`${process.execPath} ${cliPath} new`, work, [
      [/Plugin name/, 'half\r'],
      [/Namespace/, '\x03'],
    ]);
    expect(run.code, run.output).toBe(1);
    expect(run.output).toContain('Cancelled: nothing was changed');
    expect(existsSync(join(work, 'half'))).toBe(false);
  }, 90_000);
});

describe('atomic-plugin install in a terminal', () => {
  let host: HostProcess;
  const work = mkdtempSync(join(tmpdir(), 'atomic-plugin-pty-install-'));
  let zip: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    host = await startHostProcess();
    env = { ATOMIC_SERVER_URL: host.url, ATOMIC_AGENT_SECRET: host.secret };
    const project = join(work, 'hello');
    const made = await runCli(['new', 'hello', '--namespace', 'acme', '--permission', 'read:Reads what it greets.', '--yes'], { env: cliEnv(join(work, 'none.json')), cwd: work });
    expect(made.code, made.stderr).toBe(0);
    linkAtomicPlugin(project);
    const built = await runCli(['build', project, '--json'], { env: cliEnv(join(work, 'none.json')) });
    expect(built.code, built.stderr).toBe(0);
    zip = (JSON.parse(built.stdout) as { path: string }).path;
  }, 180_000);
  afterAll(async () => {
    await host?.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it('shows the permissions with their reasons and installs only after a yes', async () => {
    const command = `${process.execPath} ${cliPath} install ${zip}`;
    const declined = await answerInTerminal(command, work, [[/Install acme\/hello on .* with read\?/, 'n\r']], env);
    expect(declined.output).toContain('✓ read: Reads what it greets.');
    expect(declined.code, declined.output).toBe(1);
    expect(declined.output).toContain('Cancelled: nothing was changed');
    const list = await runCli(['list', '--json'], { env: cliEnv(join(work, 'none.json'), env) });
    expect(JSON.parse(list.stdout)).toEqual([]);

    const accepted = await answerInTerminal(command, work, [[/Install acme\/hello on .* with read\?/, '\r']], env);
    expect(accepted.code, accepted.output).toBe(0);
    expect(accepted.output).toContain('Installed acme/hello@0.1.0');
    expect((await fetch(`${host.url}/plugins/acme/hello/hello`)).status).toBe(200);
  }, 90_000);
});
