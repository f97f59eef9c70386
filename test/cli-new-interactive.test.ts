// `atomic-plugin new` answered through a real pseudo-terminal: util-linux `script` gives the CLI a
// pty, and the test types each answer once the prompt for it has appeared, as a person would.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../server/plugins/manifest.js';
import { cliEnv } from './support/cli-run.js';
import { cliPath } from './support/host-process.js';

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const DOWN = '\x1b[B';

/** Runs `command` in a pty; each step waits for its prompt (in the output since the last answer), then types. */
function answerInTerminal(command: string, cwd: string, steps: ReadonlyArray<readonly [RegExp, string]>): Promise<{ code: number | null; output: string; answered: number }> {
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd, env: { ...cliEnv(join(cwd, 'none.json')), TERM: 'xterm' } });
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
      [/Runtime/, '\r'],
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
    expect(manifest).toMatchObject({ name: 'pty-plugin', namespace: 'acme', description: 'Says hello from a terminal.', runtime: 'wasm' });
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
    expect(spawnSync('ls', [join(work, 'half')]).status).not.toBe(0);
  }, 90_000);
});
