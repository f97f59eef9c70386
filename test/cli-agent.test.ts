// The CLI as a user runs it (`node bin/run.js`, after `npm run build`): agent creation, help
// pages, and the message `get` gives when no server is listening.

import { describe, it, expect } from 'vitest';
import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI with a clean environment (no server URL, secret, or NODE_ENV=test from vitest). */
function run(...args: string[]): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['ATOMIC_SERVER_URL', 'ATOMIC_AGENT_SECRET', 'ATOMIC_PLUGIN_DATA_DIR', 'NODE_ENV', 'DEBUG']) delete env[name];
  // Not the developer's own `agent login` either: a config file that does not exist.
  env.ATOMIC_PLUGIN_CONFIG = '/nonexistent/atomic-plugin-test-config.json';
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/run.js', ...args], { cwd: root, env, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The public key (base64) of an Ed25519 private seed (base64), computed with node:crypto alone. */
function publicKeyOf(seedBase64: string): string {
  const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
  const key = createPrivateKey({ key: Buffer.concat([pkcs8Prefix, Buffer.from(seedBase64, 'base64')]), format: 'der', type: 'pkcs8' });
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url').toString('base64');
}

/** A port nothing listens on: bound once by us, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

describe('atomic-plugin agent create', () => {
  it('prints a subject, a 44-character public key and a secret that decodes to both', async () => {
    const { code, stdout, stderr } = await run('agent', 'create', '--json', '--server', 'http://localhost:9883');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const result = JSON.parse(stdout) as { subject: string; publicKey: string; secret: string; registered: boolean };
    expect(result.publicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(result.subject).toBe(`http://localhost:9883/agents/${result.publicKey}`);
    expect(result.registered).toBe(false);

    const decoded = JSON.parse(Buffer.from(result.secret, 'base64').toString('utf8')) as { subject: string; privateKey: string };
    expect(decoded.subject).toBe(result.subject);
    expect(publicKeyOf(decoded.privateKey)).toBe(result.publicKey);
  });

  it('makes a different agent each time', async () => {
    const [a, b] = await Promise.all([run('agent', 'create', '--json'), run('agent', 'create', '--json')]);
    expect(JSON.parse(a.stdout).publicKey).not.toBe(JSON.parse(b.stdout).publicKey);
  });
});

describe('--help', () => {
  for (const command of ['serve', 'get', 'agent show', 'agent create', 'agent login', 'new', 'build', 'sign', 'verify', 'install', 'update', 'uninstall', 'enable', 'disable', 'list', 'config get', 'config set', 'logs', 'conformance sparql']) {
    it(`of ${command} exits 0 and shows an example`, async () => {
      const { code, stdout, stderr } = await run(...command.split(' '), '--help');
      expect(code).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toContain('EXAMPLES');
      expect(stdout).toContain(`$ atomic-plugin ${command}`);
    });
  }

  it('of the CLI lists the commands without warnings', async () => {
    const { code, stdout, stderr } = await run('--help');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/serve\s/);
    expect(stdout).toMatch(/get\s/);
    expect(stdout).toContain('agent');
  });
});

describe('atomic-plugin get', () => {
  it('says the server cannot be reached, with no stack trace, when nothing listens', async () => {
    const port = await freePort();
    const { code, stdout, stderr } = await run('get', '/agents', '--server', `http://127.0.0.1:${port}`);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`Cannot reach http://127.0.0.1:${port}: is the server running?`);
    expect(stderr.replace(/\s*\n\s*›?\s*/g, ' ')).toContain('Start it with `atomic-plugin serve`.');
    expect(stderr).not.toMatch(STACK_LINE);
  });

  it('reports the same as a JSON error with --json', async () => {
    const port = await freePort();
    const { code, stdout } = await run('get', `http://127.0.0.1:${port}/agents`, '--json');
    expect(code).toBe(1);
    const { error } = JSON.parse(stdout) as { error: { code: string; message: string } };
    expect(error.code).toBe('SERVER_UNREACHABLE');
    expect(error.message).toMatch(/^Cannot reach http:\/\/127\.0\.0\.1:\d+: is the server running\?/);
  });
});
