// The process runtime on its own: real plugin processes (bundled with esbuild against sdk/node, or
// written against the raw protocol), started, called, crashed, hung and stopped through the
// Runtime interface, with real host functions built from plain functions.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { HostFunction, InstantiateOptions, PluginCallError, PluginInstance } from '../runtime.js';
import { createProcessRuntime, processIdOf, type ProcessRuntimeOptions } from './process-runtime.js';

const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'process-runtime-test-'));
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const SECRET = 'c2VjcmV0LXNlZWQtb2YtdGhpcy10ZXN0LWFnZW50ISE=';
const instances: PluginInstance[] = [];

afterEach(async () => {
  await Promise.all(instances.splice(0).map((i) => i.close()));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Bundles a plugin written against sdk/node (imported as `sdk`). */
async function bundle(source: string): Promise<string> {
  const result = await build({
    stdin: { contents: source, resolveDir: repoRoot, loader: 'js', sourcefile: 'plugin.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    alias: { sdk: join(repoRoot, 'sdk/node/index.ts') },
  });
  return result.outputFiles[0]!.text;
}

interface Started {
  instance: PluginInstance;
  logs: string[];
  failures: { error: PluginCallError; fatal: boolean }[];
  runDir: string;
  dataDir: string;
}

let counter = 0;

/** Writes `code` as plugin.mjs into a fresh run folder and starts it. */
async function start(code: string, options: { runtime?: ProcessRuntimeOptions; hostFunctions?: Record<string, HostFunction>; timeoutMs?: number; memoryMb?: number } = {}): Promise<Started> {
  const dir = join(root, `p${counter++}`);
  const runDir = join(dir, 'run');
  const dataDir = join(dir, 'data');
  mkdirSync(runDir, { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(runDir, 'plugin.mjs'), code);
  writeFileSync(join(dir, 'outside.txt'), 'not for plugins');
  const logs: string[] = [];
  const failures: Started['failures'] = [];
  const runtime = createProcessRuntime(options.runtime);
  const instantiate: InstantiateOptions = {
    hostFunctions: options.hostFunctions ?? {},
    limits: { timeoutMs: options.timeoutMs ?? 2000, fuel: null, memoryMb: options.memoryMb ?? 32 },
    log: (level, message) => logs.push(`${level} ${message}`),
    onFailure: (error, fatal) => failures.push({ error, fatal }),
    plugin: {
      namespace: 'test',
      name: 'unit',
      version: '1.0.0',
      packageDir: runDir,
      entry: 'plugin.mjs',
      dataDir,
      serverUrl: 'http://localhost:1',
      agent: { subject: 'http://localhost:1/agents/x', publicKey: 'cHVibGlj', secret: SECRET },
    },
  };
  const instance = await runtime.instantiate({ kind: 'process', bytes: new Uint8Array(), exports: [] }, instantiate);
  instances.push(instance);
  return { instance, logs, failures, runDir, dataDir };
}

async function callJson(instance: PluginInstance, name: string, input: unknown = {}): Promise<unknown> {
  const out = await instance.call(name, encoder.encode(JSON.stringify(input)));
  return out.length === 0 ? null : JSON.parse(decoder.decode(out));
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ECHO = `import { definePlugin } from 'sdk';
definePlugin({ exports: { echo: (input) => input, pid: () => process.pid, exit: () => process.exit(7), hang: () => { for (;;); } } });`;

describe('the process runtime', () => {
  it('does the handshake although the plugin prints before, during and after it', async () => {
    // Raw protocol, no SDK: stray lines on fd 1 before the handshake, a partial line the answer is
    // glued to, and stray output after it.
    const raw = `
      import { writeSync } from 'node:fs';
      writeSync(1, 'banner: starting up\\n{"not":"a protocol message"}\\nloading... ');
      let buffer = '';
      process.stdin.on('data', (chunk) => {
        buffer += chunk;
        let at;
        while ((at = buffer.indexOf('\\n')) >= 0) {
          const msg = JSON.parse(buffer.slice(0, at));
          buffer = buffer.slice(at + 1);
          let result = {};
          if (msg.method === 'initialize') result = { protocol: 1, name: 'raw', version: '1.0.0', exports: ['echo'] };
          if (msg.method === 'call') { writeSync(1, 'stray during a call\\n'); result = { output: msg.params.input }; }
          if (msg.id !== undefined) writeSync(1, JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }) + '\\n');
          if (msg.method === 'initialize') writeSync(1, 'ready!\\n');
        }
      });
      process.stdin.on('end', () => process.exit(0));`;
    const { instance, logs } = await start(raw);
    expect(instance.exports()).toEqual(['echo']);
    expect(await callJson(instance, 'echo', { hello: 'wörld' })).toEqual({ hello: 'wörld' });
    await waitFor(() => logs.some((l) => l.includes('stray during a call')), 2000, 'the stray line in the log');
    const text = logs.join('\n');
    expect(text).toContain('stdout: banner: starting up');
    expect(text).toContain('stdout: {"not":"a protocol message"}');
    expect(text).toContain('stdout: loading...');
    expect(text).toContain('stdout: ready!');
  });

  it('passes console output of an SDK plugin to the log (stderr), never onto the protocol', async () => {
    const { instance, logs } = await start(await bundle(`import { definePlugin } from 'sdk';
      console.log('hello from console.log');
      definePlugin({ exports: { talk: (input) => { console.log('talking', JSON.stringify(input)); return { said: input }; } } });`));
    expect(await callJson(instance, 'talk', { a: 1 })).toEqual({ said: { a: 1 } });
    await waitFor(() => logs.some((l) => l.includes('talking {"a":1}')), 2000, 'console output in the log');
    expect(logs.some((l) => l.includes('hello from console.log'))).toBe(true);
  });

  it('answers host function requests with envelopes, refusing those not granted', async () => {
    const hostFunctions: Record<string, HostFunction> = {
      get_config: async () => encoder.encode(JSON.stringify({ ok: { greeting: 'hoi' } })),
      kv_get: async () => {
        throw new Error('the store is on fire');
      },
    };
    const { instance } = await start(
      await bundle(`import { definePlugin, getConfig, hostCall, kvGet } from 'sdk';
        definePlugin({ exports: {
          config: () => getConfig(),
          denied: () => hostCall('http_request', { url: 'http://example.com/' }),
          unknown: () => hostCall('no_such_function', {}).catch((e) => ({ thrown: e.message })),
          broken: () => kvGet('x'),
        } });`),
      { hostFunctions },
    );
    expect(await callJson(instance, 'config')).toEqual({ greeting: 'hoi' });
    expect(await callJson(instance, 'denied')).toEqual({ error: { code: 'PERMISSION_DENIED', message: 'host function "http_request" needs permission "network", which was not granted' } });
    expect(JSON.stringify(await callJson(instance, 'unknown'))).toContain('not a host function');
    await expect(instance.call('broken', encoder.encode('{}'))).rejects.toMatchObject({ code: 'HOST_FUNCTION_FAILED' });
    expect(await callJson(instance, 'config')).toEqual({ greeting: 'hoi' });
  });

  it('fails a call whose process exits with CRASHED, and restarts it for the next call', async () => {
    const { instance, failures } = await start(await bundle(ECHO));
    const first = await callJson(instance, 'pid');
    await expect(instance.call('exit', encoder.encode('{}'))).rejects.toMatchObject({ code: 'CRASHED', message: expect.stringContaining('code 7') });
    const second = await callJson(instance, 'pid');
    expect(second).not.toBe(first);
    expect(instance.stats()).toMatchObject({ restarts: 1, failures: 1 });
    expect(failures).toEqual([]); // the failed call reported it; nothing outside a call failed
  });

  it('kills a call at its deadline (TIMEOUT) and serves the next one from a new process', async () => {
    const { instance } = await start(await bundle(ECHO), { timeoutMs: 300 });
    const before = processIdOf(instance)!;
    const started = Date.now();
    await expect(instance.call('hang', encoder.encode('{}'))).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await callJson(instance, 'echo', 'again')).toBe('again');
    expect(processIdOf(instance)).not.toBe(before);
    expect(() => process.kill(before, 0)).toThrow(); // the hung process is gone
  });

  it('restarts a process that crashes while idle, with exponential backoff between crashes in a row', async () => {
    const { instance, failures } = await start(await bundle(ECHO), { runtime: { backoffBaseMs: 200, maxCrashes: 10 } });
    const starts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const pid = processIdOf(instance)!;
      process.kill(pid, 'SIGKILL');
      await waitFor(() => processIdOf(instance) !== undefined && processIdOf(instance) !== pid, 5000, `restart ${i + 1}`);
      starts.push(Date.now());
    }
    // Delays 0, 200, 400, 800 ms: each gap at least as long as the backoff it waited.
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(350);
    expect(starts[3]! - starts[2]!).toBeGreaterThanOrEqual(750);
    expect(failures.length).toBe(4);
    expect(failures.every((f) => f.error.code === 'CRASHED' && !f.fatal)).toBe(true);
    // A successful call resets the streak.
    expect(await callJson(instance, 'echo', 1)).toBe(1);
  });

  it('gives up after a crash loop and reports it as fatal; calls then fail at once', async () => {
    // Starts once, then dies at every start: the marker file in its data folder says it ran before.
    const { instance, failures } = await start(
      await bundle(`import { definePlugin, pluginContext } from 'sdk';
        import { existsSync, writeFileSync } from 'node:fs';
        const marker = process.env.ATOMIC_PLUGIN_DATA_DIR + '/started';
        if (existsSync(marker)) process.exit(9);
        writeFileSync(marker, 'yes');
        definePlugin({ exports: { exit: () => process.exit(1) } });`),
      { runtime: { backoffBaseMs: 20, maxCrashes: 4 } },
    );
    await expect(instance.call('exit', encoder.encode('{}'))).rejects.toMatchObject({ code: 'CRASHED' });
    await waitFor(() => failures.some((f) => f.fatal), 10_000, 'the crash loop to be reported');
    const fatal = failures.find((f) => f.fatal)!;
    expect(fatal.error.message).toContain('crash loop');
    const started = Date.now();
    await expect(instance.call('exit', encoder.encode('{}'))).rejects.toMatchObject({ code: 'CRASHED', message: expect.stringContaining('crash loop') });
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('treats a lost heartbeat while idle as a hang: kills and restarts the process', async () => {
    // The plugin blocks its event loop on its own, outside any call.
    const { instance, failures } = await start(
      await bundle(`import { definePlugin } from 'sdk';
        import { existsSync, writeFileSync } from 'node:fs';
        const marker = process.env.ATOMIC_PLUGIN_DATA_DIR + '/hung';
        definePlugin({ exports: { ping: () => 'pong' } });
        if (!existsSync(marker)) { writeFileSync(marker, 'yes'); setTimeout(() => { for (;;); }, 100); }`),
      { runtime: { heartbeatMs: 100, heartbeatTimeoutMs: 300 } },
    );
    const pid = processIdOf(instance);
    await waitFor(() => failures.length > 0, 5000, 'the lost heartbeat');
    expect(failures[0]!.error.code).toBe('TIMEOUT');
    expect(failures[0]!.error.message).toContain('heartbeat');
    expect(await callJson(instance, 'ping')).toBe('pong');
    expect(processIdOf(instance)).not.toBe(pid);
  });

  it('shuts the process down gracefully on close, and kills one that does not go', async () => {
    const graceful = await start(
      await bundle(`import { definePlugin } from 'sdk';
        import { writeFileSync } from 'node:fs';
        definePlugin({ exports: { x: () => 1 }, onShutdown: () => writeFileSync(process.env.ATOMIC_PLUGIN_DATA_DIR + '/bye', 'bye') });`),
    );
    const pid = processIdOf(graceful.instance)!;
    await graceful.instance.close();
    expect(readFileSync(join(graceful.dataDir, 'bye'), 'utf8')).toBe('bye');
    expect(() => process.kill(pid, 0)).toThrow();
    await expect(graceful.instance.call('x', encoder.encode('{}'))).rejects.toMatchObject({ code: 'CLOSED' });

    const stubborn = await start(
      await bundle(`import { definePlugin } from 'sdk';
        definePlugin({ exports: { x: () => 1 }, onShutdown: () => new Promise(() => { setInterval(() => {}, 1000); }) });`),
      { runtime: { shutdownGraceMs: 300 } },
    );
    const stubbornPid = processIdOf(stubborn.instance)!;
    const started = Date.now();
    await stubborn.instance.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(() => process.kill(stubbornPid, 0)).toThrow();
  });

  it('CPU-profiles the plugins it is told to, writing the profile when the process ends, and says it runs unconfined', async () => {
    const dir = join(root, 'profiles');
    const { instance, logs } = await start(await bundle(`import { definePlugin } from 'sdk';
      definePlugin({ exports: { spin: () => { let s = 0; for (let i = 0; i < 5e6; i++) s += i; return s; } } });`), { runtime: { cpuProfile: { plugins: ['test/unit'], dir } } });
    expect(decoder.decode(await instance.call('spin', encoder.encode('{}')))).toBe(String((5e6 * (5e6 - 1)) / 2));
    await instance.close();
    const profiles = readdirSync(join(dir, 'test-unit')).filter((f) => f.endsWith('.cpuprofile'));
    expect(profiles).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(dir, 'test-unit', profiles[0]!), 'utf8'))).toHaveProperty('nodes');
    expect(logs.join('\n')).toContain("WITHOUT Node's permission model");
    // A plugin not named is not profiled, and stays confined.
    const other = await start(await bundle(`import { definePlugin } from 'sdk'; definePlugin({ exports: { x: () => 1 } });`), { runtime: { cpuProfile: { plugins: ['test/other'], dir } } });
    await other.instance.close();
    expect(readdirSync(dir)).toEqual(['test-unit']);
  });

  it("limits a Node plugin's files to its run and data folders, and denies child processes", async () => {
    const { instance, runDir, dataDir } = await start(
      await bundle(`import { definePlugin, pluginContext } from 'sdk';
        import { readFileSync, writeFileSync } from 'node:fs';
        import { execFileSync } from 'node:child_process';
        const attempt = (fn) => { try { fn(); return 'allowed'; } catch (e) { return e.code ?? e.message; } };
        definePlugin({ exports: { probe: ({ outside }) => ({
          ownCode: attempt(() => readFileSync(pluginContext().runDir + '/plugin.mjs')),
          ownData: attempt(() => writeFileSync(pluginContext().dataDir + '/note', 'mine')),
          writeCode: attempt(() => writeFileSync(pluginContext().runDir + '/plugin.mjs', 'changed')),
          readOutside: attempt(() => readFileSync(outside)),
          readEtc: attempt(() => readFileSync('/etc/hostname')),
          writeTmp: attempt(() => writeFileSync('/tmp/escaped-' + process.pid, 'x')),
          spawn: attempt(() => execFileSync('/bin/true')),
        }) } });`),
    );
    const answer = (await callJson(instance, 'probe', { outside: join(runDir, '..', 'outside.txt') })) as Record<string, string>;
    expect(answer).toEqual({
      ownCode: 'allowed',
      ownData: 'allowed',
      writeCode: 'ERR_ACCESS_DENIED',
      readOutside: 'ERR_ACCESS_DENIED',
      readEtc: 'ERR_ACCESS_DENIED',
      writeTmp: 'ERR_ACCESS_DENIED',
      spawn: 'ERR_ACCESS_DENIED',
    });
    expect(readFileSync(join(dataDir, 'note'), 'utf8')).toBe('mine');
  });

  it('gives the agent secret in the handshake only: not in argv nor in the environment', async () => {
    const { instance } = await start(
      await bundle(`import { definePlugin, pluginContext } from 'sdk';
        definePlugin({ exports: { secret: () => pluginContext().agent.secret, env: () => Object.keys(process.env).sort(), hello: () => {
          const { protocol, host, plugin, serverUrl, hostFunctions, heartbeatMs } = pluginContext();
          return { protocol, host, plugin, serverUrl, hostFunctions, heartbeatMs };
        } } });`),
    );
    expect(await callJson(instance, 'secret')).toBe(SECRET);
    const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
    expect(await callJson(instance, 'hello')).toEqual({
      protocol: 1,
      host: { name: 'atomic-plugin', version },
      plugin: { namespace: 'test', name: 'unit', version: '1.0.0' },
      serverUrl: 'http://localhost:1',
      hostFunctions: [],
      heartbeatMs: 1000,
    });
    const pid = processIdOf(instance)!;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
    const ps = execFileSync('ps', ['-ww', '-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
    expect(cmdline).toContain('plugin.mjs');
    for (const seen of [cmdline, environ, ps]) expect(seen).not.toContain(SECRET);
    expect(await callJson(instance, 'env')).toEqual(['ATOMIC_PLUGIN_DATA_DIR', 'ATOMIC_PLUGIN_PROTOCOL', 'ATOMIC_PLUGIN_RUN_DIR', 'HOME', 'LANG', 'PATH', 'TMPDIR']);
  });

  it('kills a plugin whose heap outgrows its cap (MEMORY_LIMIT) and one whose buffers outgrow the resident cap', async () => {
    const { instance } = await start(
      await bundle(`import { definePlugin } from 'sdk';
        definePlugin({ exports: {
          heap: () => { const kept = []; for (;;) kept.push(new Array(131072).fill(kept.length)); },
          buffers: async () => { const kept = []; for (;;) { kept.push(Buffer.alloc(8 << 20, 1)); await new Promise((r) => setTimeout(r, 5)); } },
          ok: () => 'ok',
        } });`),
      { memoryMb: 16, timeoutMs: 5000, runtime: { rssOverheadMb: 64 } },
    );
    await expect(instance.call('heap', encoder.encode('{}'))).rejects.toMatchObject({ code: 'MEMORY_LIMIT' });
    expect(await callJson(instance, 'ok')).toBe('ok');
    await expect(instance.call('buffers', encoder.encode('{}'))).rejects.toMatchObject({ code: 'MEMORY_LIMIT', message: expect.stringContaining('resident') });
    expect(await callJson(instance, 'ok')).toBe('ok');
  });

  it('runs an executable that is not JavaScript directly, with a clean environment, in its data folder', async () => {
    const dir = join(root, 'native');
    const runDir = join(dir, 'run');
    const dataDir = join(dir, 'data');
    mkdirSync(runDir, { recursive: true });
    mkdirSync(dataDir, { recursive: true });
    // A shell script speaking the protocol: answers initialize, then every call with its cwd.
    writeFileSync(
      join(runDir, 'plugin.sh'),
      `#!/bin/sh
read -r line
echo '{"jsonrpc":"2.0","id":1,"result":{"protocol":1,"name":"sh","version":"1","exports":["where"]}}'
while read -r line; do
  id=$(echo "$line" | sed -n 's/.*"id":\\([0-9]*\\).*/\\1/p')
  [ -n "$id" ] && echo "{\\"jsonrpc\\":\\"2.0\\",\\"id\\":$id,\\"result\\":{\\"output\\":\\"$(pwd)\\"}}"
done
`,
      { mode: 0o755 },
    );
    const runtime = createProcessRuntime();
    const instance = await runtime.instantiate(
      { kind: 'process', bytes: new Uint8Array(), exports: [] },
      {
        hostFunctions: {},
        limits: { timeoutMs: 2000, fuel: null, memoryMb: 32 },
        plugin: { namespace: 't', name: 'sh', version: '1', packageDir: runDir, entry: 'plugin.sh', dataDir, serverUrl: 'http://localhost:1', agent: { subject: 's', publicKey: 'p', secret: SECRET } },
      },
    );
    instances.push(instance);
    expect(instance.exports()).toEqual(['where']);
    expect(await callJson(instance, 'where')).toBe(dataDir);
    expect(existsSync(dataDir)).toBe(true);
  });
});

describe('a host that dies', () => {
  it('takes its plugin processes with it, even one spinning in a loop', async () => {
    // A host process (this runtime in a child Node) starts a plugin that hangs, then is SIGKILLed.
    const dir = join(root, 'orphan');
    mkdirSync(join(dir, 'run'), { recursive: true });
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(join(dir, 'run', 'plugin.mjs'), await bundle(ECHO));
    const hostScript = join(dir, 'host.mjs');
    const runtimeUrl = new URL('../../../../dist/server/plugins/runtimes/process/index.js', import.meta.url).href;
    writeFileSync(
      hostScript,
      `import { createProcessRuntime, processIdOf } from ${JSON.stringify(runtimeUrl)};
      const instance = await createProcessRuntime().instantiate({ kind: 'process', bytes: new Uint8Array(), exports: [] }, {
        hostFunctions: {}, limits: { timeoutMs: 60000, fuel: null, memoryMb: 32 },
        plugin: { namespace: 't', name: 'o', version: '1', packageDir: ${JSON.stringify(join(dir, 'run'))}, entry: 'plugin.mjs', dataDir: ${JSON.stringify(join(dir, 'data'))}, serverUrl: 'http://localhost:1', agent: { subject: 's', publicKey: 'p', secret: 'x' } },
      });
      console.log(processIdOf(instance));
      instance.call('hang', new TextEncoder().encode('{}')).catch(() => {});`,
    );
    const { spawn } = await import('node:child_process');
    const host = spawn(process.execPath, [hostScript], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve) => host.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    await new Promise((r) => setTimeout(r, 200));
    expect(() => process.kill(pid, 0)).not.toThrow();
    host.kill('SIGKILL');
    await waitFor(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 3000, 'the plugin process to end with its host');
  });
});

describe('a non-Node plugin that leaves a child behind', () => {
  it('is still seen to crash, and its leftover child is ended', async () => {
    const dir = join(root, 'leftover');
    const runDir = join(dir, 'run');
    const dataDir = join(dir, 'data');
    mkdirSync(runDir, { recursive: true });
    mkdirSync(dataDir, { recursive: true });
    // Answers the handshake; on any call it starts a sleeper holding stdout open, then exits.
    writeFileSync(
      join(runDir, 'plugin.sh'),
      `#!/bin/sh
read -r line
echo '{"jsonrpc":"2.0","id":1,"result":{"protocol":1,"name":"sh","version":"1","exports":["die"]}}'
read -r line
sleep 30 &
echo $! > sleeper.pid
exit 5
`,
      { mode: 0o755 },
    );
    const runtime = createProcessRuntime();
    const instance = await runtime.instantiate(
      { kind: 'process', bytes: new Uint8Array(), exports: [] },
      {
        hostFunctions: {},
        limits: { timeoutMs: 5000, fuel: null, memoryMb: 32 },
        plugin: { namespace: 't', name: 'sh', version: '1', packageDir: runDir, entry: 'plugin.sh', dataDir, serverUrl: 'http://localhost:1', agent: { subject: 's', publicKey: 'p', secret: SECRET } },
      },
    );
    instances.push(instance);
    const started = Date.now();
    await expect(instance.call('die', encoder.encode('{}'))).rejects.toMatchObject({ code: 'CRASHED', message: expect.stringContaining('code 5') });
    expect(Date.now() - started).toBeLessThan(4000);
    const sleeper = Number(readFileSync(join(dataDir, 'sleeper.pid'), 'utf8'));
    await waitFor(() => {
      try {
        process.kill(sleeper, 0);
        return false;
      } catch {
        return true;
      }
    }, 3000, 'the leftover child to be ended');
  });
});

describe('the socket transport', () => {
  it('runs the protocol over a Unix socket and leaves stdout to the log, message-like lines included', async () => {
    const { instance, logs, dataDir } = await start(
      await bundle(`import { definePlugin, getConfig } from 'sdk';
        import { writeFileSync, writeSync } from 'node:fs';
        // On stdout, something that looks like an answer to the handshake: with a socket it is only a log line.
        writeSync(1, '{"jsonrpc":"2.0","id":1,"result":{"protocol":1,"exports":["forged"]}}\\n');
        definePlugin({
          exports: { config: () => getConfig(), where: () => process.env.ATOMIC_PLUGIN_SOCKET },
          onShutdown: () => writeFileSync(process.env.ATOMIC_PLUGIN_DATA_DIR + '/bye', 'bye'),
        });`),
      { runtime: { transport: 'socket' }, hostFunctions: { get_config: async () => encoder.encode('{"ok":{"via":"socket"}}') } },
    );
    expect(instance.exports()).toEqual(['config', 'where']);
    expect(await callJson(instance, 'config')).toEqual({ via: 'socket' });
    const socketPath = (await callJson(instance, 'where')) as string;
    expect(socketPath).toMatch(/rpc\.sock$/);
    await waitFor(() => logs.some((l) => l.includes('"forged"')), 2000, 'the forged line in the log');
    const pid = processIdOf(instance)!;
    await instance.close();
    expect(readFileSync(join(dataDir, 'bye'), 'utf8')).toBe('bye');
    expect(() => process.kill(pid, 0)).toThrow();
    expect(existsSync(socketPath)).toBe(false);
  });

  it('still kills a hung call at its deadline and restarts over a new socket', async () => {
    const { instance } = await start(await bundle(ECHO), { runtime: { transport: 'socket' }, timeoutMs: 300 });
    await expect(instance.call('hang', encoder.encode('{}'))).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(await callJson(instance, 'echo', 'back')).toBe('back');
  });
});
