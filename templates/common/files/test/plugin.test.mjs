// Runs the built plugin against a real local server: starts `atomic-plugin serve` in a temporary
// folder, installs dist/*.zip with `atomic-plugin install`, checks it is active, and calls each
// GET endpoint it declares. Then `atomic-plugin conformance --plugin .` runs the scenarios in
// fixtures/conformance/*.json on a server of its own. Run with `npm test` (which builds first).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(dirname(createRequire(import.meta.url).resolve('atomic-plugin/package.json')), 'bin', 'run.js');
const manifest = JSON.parse(readFileSync(join(root, 'plugin.json'), 'utf8'));
const temp = mkdtempSync(join(tmpdir(), `${manifest.namespace}-${manifest.name}-test-`));
// Nothing from the developer's own login or environment: this server and its owner only.
const env = { ...process.env, ATOMIC_PLUGIN_CONFIG: join(temp, 'cli-config.json') };
delete env.ATOMIC_SERVER_URL;
delete env.ATOMIC_AGENT_SECRET;

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function cliRun(...args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env, cwd: root, timeout: 300_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

function cliJson(...args) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, ...args, '--json'], { env, cwd: root }, (error, stdout, stderr) => {
      if (error) reject(new Error(`atomic-plugin ${args.join(' ')} failed:\n${stdout}${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

const port = await freePort();
const dataDir = join(temp, 'data');
const server = spawn(process.execPath, [cli, 'serve', '--port', String(port), '--data-dir', dataDir, '--json'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
after(() => {
  server.kill();
  rmSync(temp, { recursive: true, force: true });
});
const { url } = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (chunk) => {
    out += chunk;
    if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
  });
  server.once('exit', (code) => reject(new Error(`atomic-plugin serve exited with ${code}`)));
});
env.ATOMIC_SERVER_URL = url;
env.ATOMIC_AGENT_SECRET = readFileSync(join(dataDir, 'agent.secret'), 'utf8').trim();

test('installs and becomes active', async () => {
  const zip = readdirSync(join(root, 'dist')).find((f) => f === `${manifest.namespace}-${manifest.name}-${manifest.version}.zip`);
  assert.ok(zip, 'run `npm run build` first');
  const installed = await cliJson('install', join(root, 'dist', zip), '--yes');
  assert.equal(installed.status, 'active');
  const [listed] = (await cliJson('list')).filter((p) => p.plugin === `${manifest.namespace}/${manifest.name}`);
  assert.equal(listed.version, manifest.version);
});

test('answers on its GET endpoints', async () => {
  for (const endpoint of (manifest.hooks?.endpoints ?? []).filter((e) => e.methods.includes('GET'))) {
    const path = endpoint.path.startsWith('/') ? endpoint.path : `/plugins/${manifest.namespace}/${manifest.name}/${endpoint.path}`;
    const response = await fetch(`${url}${path}`);
    assert.equal(response.status, 200, `GET ${path}: ${await response.clone().text()}`);
  }
});

test('passes its conformance scenarios (fixtures/conformance/*.json)', async () => {
  // No --server: the conformance run starts an embedded server of its own and stops it after.
  const run = await cliRun('conformance', '--plugin', root, '--reporter', 'tap');
  assert.equal(run.code, 0, `${run.stdout}${run.stderr}`);
  assert.match(run.stdout, /# \d+ passed, 0 failed/);
});
