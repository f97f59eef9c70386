// The js runtime end to end: plugin scripts written as the CommonJS bundles esbuild produces
// (module.exports of functions using the Extism JS PDK globals), real QuickJS, real worker threads.
// Needs the compiled worker: `npm test` builds first (see resolveJsWorkerUrl).

import { afterEach, describe, expect, it } from 'vitest';
import { allowedHostFunctionsFor } from '../../permissions.js';
import type { HostFunction, PluginInstance, RuntimeLimits } from '../runtime.js';
import { PluginCallError, PluginLoadError } from '../runtime.js';
import { simulateWorkerCrash } from '../worker-sandbox.js';
import { createJsRuntime } from './js-runtime.js';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

const runtime = createJsRuntime();
const limits: RuntimeLimits = { timeoutMs: 1_000, fuel: null, memoryMb: 16 };

/** One export per way a plugin can behave or misbehave. */
const SANDBOX = `
let calls = 0;
function echo() { Host.outputBytes(Host.inputBytes()); }
function count() { calls++; Host.outputString(String(calls)); }
function utf8() { Host.outputString(Host.inputString() + ' ✓'); }
function call_host() {
  const { get_resource } = Host.getFunctions();
  const request = Memory.fromString(Host.inputString());
  Host.outputString(Memory.find(get_resource(request.offset)).readString());
}
function call_host_swallow() {
  try { call_host(); } catch (e) { Host.outputString('swallowed'); }
}
function fetch_it() { Host.outputString(JSON.stringify(Http.request({ url: Host.inputString(), method: 'GET' }))); }
function use_ungranted() { Host.outputString(Memory.find(Host.getFunctions().kv_get(Memory.fromString('{"key":"k"}').offset)).readString()); }
function functions() { const f = Host.getFunctions(); Host.outputString(JSON.stringify({ keys: Object.keys(f), kv: 'kv_get' in f, read: 'get_resource' in f, unknown: typeof f.nope })); }
function loop() { for (;;) {} }
function loop_catching() { for (;;) { try { for (;;) {} } catch (e) {} } }
function grow() { const kept = []; for (;;) { const b = new Uint8Array(1 << 20); b[0] = 1; kept.push(b); } }
function grow_objects() { const kept = []; for (;;) kept.push({ a: kept.length, b: [1, 2, 3] }); }
function recurse() { function down(n) { return down(n + 1) + 1; } return down(0); }
function deep() { function down(n) { return n === 0 ? 0 : down(n - 1) + 1; } Host.outputString(String(down(Number(Host.inputString())))); }
function boom() { throw new Error('boom'); }
function fail_code() { return 3; }
async function later() { const v = await Promise.resolve(Host.inputString()); Promise.resolve().then(() => Host.outputString('async ' + v)); }
async function later_fails() { await null; throw new Error('rejected later'); }
function never() { return new Promise(() => {}); }
function globals() {
  const names = ['process', 'require', 'global', 'Buffer', 'fetch', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask',
    'XMLHttpRequest', 'WebAssembly', 'SharedArrayBuffer', 'Atomics', 'native', '__native', 'std', 'os'];
  const out = {};
  for (const n of names) out[n] = typeof globalThis[n];
  for (const n of ['Host', 'Memory', 'MemoryHandle', 'Config', 'Var', 'Http', 'console', 'TextEncoder', 'TextDecoder']) out[n] = typeof globalThis[n];
  Host.outputString(JSON.stringify(out));
}
function pdk() {
  Var.set('seen', String(Number(Var.getString('seen') || '0') + 1));
  const json = Memory.fromJsonObject({ a: [1, 'ü'] }).readJsonObject();
  const u32 = Memory.allocUInt32(0xdeadbeef).readUInt32();
  const f64 = Memory.allocFloat64(1.5).readUFloat64();
  const b64 = Host.arrayBufferToBase64(new TextEncoder().encode('héllo').buffer);
  const back = new TextDecoder().decode(Host.base64ToArrayBuffer(b64));
  console.log('pdk', 'called');
  Host.outputString(JSON.stringify({ seen: Var.getString('seen'), json, u32, f64, b64, back, greeting: Config.get('greeting'), none: Config.get('toString') }));
}
module.exports = { later, later_fails, never, functions, echo, count, utf8, call_host, call_host_swallow, fetch_it, use_ungranted, loop, loop_catching, grow, grow_objects, recurse, deep, boom, fail_code, globals, pdk };
`;

const answerOk = (value: unknown): Uint8Array => encode(JSON.stringify({ ok: value }));
/** The default `get_resource`: answers with the ABI envelope around the request. */
const echoResource: HostFunction = async (input) => answerOk(decode(input));
const okLog: HostFunction = async () => answerOk(true);

const open: PluginInstance[] = [];
async function start(
  script = SANDBOX,
  hostFunctions: Record<string, HostFunction> = { get_resource: echoResource, log: okLog },
  overrides: Partial<RuntimeLimits> = {},
  granted: string[] = ['read'],
  rt = runtime,
): Promise<PluginInstance> {
  const prepared = await rt.prepare!(encode(script), { memoryMb: 16, allowedHostFunctions: allowedHostFunctionsFor(granted) });
  const instance = await rt.instantiate(prepared, { hostFunctions, limits: { ...limits, ...overrides }, config: { greeting: 'hoi' } });
  open.push(instance);
  return instance;
}

/** Calls and expects a PluginCallError; returns it with the time it took. */
async function failure(instance: PluginInstance, exportName: string, input = '', options?: { timeoutMs?: number }): Promise<{ error: PluginCallError; ms: number }> {
  const started = performance.now();
  try {
    await instance.call(exportName, encode(input), options);
  } catch (error) {
    expect(error).toBeInstanceOf(PluginCallError);
    return { error: error as PluginCallError, ms: performance.now() - started };
  }
  throw new Error(`expected "${exportName}" to fail`);
}

async function expectEcho(instance: PluginInstance, text = 'still alive'): Promise<void> {
  expect(decode(await instance.call('echo', encode(text)))).toBe(text);
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((instance) => instance.close()));
});

describe('the js runtime', () => {
  it('declares what it enforces, and lists the functions a script exports', async () => {
    expect(runtime.capabilities).toEqual({ kind: 'js', deadline: true, fuel: false, memoryCap: true, syncHostFunctions: true });
    const prepared = await runtime.prepare!(encode(SANDBOX), { memoryMb: 16, allowedHostFunctions: allowedHostFunctionsFor(['read']) });
    expect(prepared.kind).toBe('js');
    expect(prepared.exports).toContain('echo');
    expect(prepared.exports).toContain('pdk');
    expect(prepared.exports).toHaveLength(21);
    // The cached bytes restore to the same code without evaluating it again.
    const restored = await runtime.restore!(prepared.bytes, { allowedHostFunctions: allowedHostFunctionsFor(['read']) });
    expect(restored.exports).toEqual(prepared.exports);
  });

  it('echoes bytes exactly, including UTF-8 and payloads larger than the shared buffer', async () => {
    const plugin = await start();
    await expectEcho(plugin, 'héllo wörld ✓ 🎉');
    expect(decode(await plugin.call('utf8', encode('wörld')))).toBe('wörld ✓');
    const big = new Uint8Array(3 * 2 ** 20).map((_, i) => i % 251);
    // Compared as one buffer: vitest's deep equality walks a 3 MiB array element by element for seconds.
    expect(Buffer.compare(await plugin.call('echo', big), big)).toBe(0);
    expect(await plugin.call('echo', new Uint8Array(0))).toEqual(new Uint8Array(0));
  });

  it('keeps state between calls, and answers 1,000 sequential and 200 concurrent calls in order', async () => {
    const plugin = await start();
    for (let i = 1; i <= 1000; i++) expect(decode(await plugin.call('count', new Uint8Array(0)))).toBe(String(i));
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => plugin.call('echo', encode(`#${i}`))));
    expect(answers.map(decode)).toEqual(Array.from({ length: 200 }, (_, i) => `#${i}`));
    expect(plugin.stats()).toMatchObject({ calls: 1200, failures: 0, queued: 0 });
  });

  it('gives the plugin the PDK API (Var, Memory, Config, base64, TextEncoder, console) and nothing of Node', async () => {
    const logged: string[] = [];
    const plugin = await start(SANDBOX, { get_resource: echoResource, log: async (input) => (logged.push(decode(input)), answerOk(true)) });
    const first = JSON.parse(decode(await plugin.call('pdk', new Uint8Array(0)))) as Record<string, unknown>;
    expect(first).toEqual({ seen: '1', json: { a: [1, 'ü'] }, u32: 0xdeadbeef, f64: 1.5, b64: Buffer.from('héllo').toString('base64'), back: 'héllo', greeting: 'hoi', none: null });
    expect(JSON.parse(decode(await plugin.call('pdk', new Uint8Array(0)))).seen).toBe('2');
    expect(logged).toEqual([JSON.stringify({ level: 'info', message: 'pdk called' }), JSON.stringify({ level: 'info', message: 'pdk called' })]);
    const globals = JSON.parse(decode(await plugin.call('globals', new Uint8Array(0)))) as Record<string, string>;
    for (const name of ['process', 'require', 'global', 'Buffer', 'fetch', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'XMLHttpRequest', 'WebAssembly', 'native', '__native', 'std', 'os']) {
      expect(globals[name], name).toBe('undefined');
    }
    for (const name of ['Host', 'Memory', 'Config', 'Var', 'Http', 'console', 'TextDecoder']) expect(globals[name], name).not.toBe('undefined');
  });

  it('calls a host function synchronously from the plugin and returns its answer', async () => {
    const seen: string[] = [];
    const plugin = await start(SANDBOX, {
      get_resource: async (input) => {
        seen.push(decode(input));
        await new Promise((r) => setTimeout(r, 5)); // really asynchronous on the host's side
        return answerOk({ '@id': decode(input) });
      },
    });
    expect(JSON.parse(decode(await plugin.call('call_host', encode('https://example.com/x'))))).toEqual({ ok: { '@id': 'https://example.com/x' } });
    expect(seen).toEqual(['https://example.com/x']);
  });

  it('fails a call to a host function the permissions do not cover, naming the permission', async () => {
    const plugin = await start();
    // Only those both granted (read: get_resource, query; none needed: get_config, get_plugin_agent,
    // log) and given an implementation (get_resource, log) are listed.
    expect(JSON.parse(decode(await plugin.call('functions', new Uint8Array(0))))).toEqual({
      keys: ['get_resource', 'log'],
      kv: false,
      read: true,
      unknown: 'undefined',
    });
    const refused = JSON.parse(decode(await plugin.call('use_ungranted', new Uint8Array(0)))) as { error: { code: string; message: string } };
    expect(refused.error.code).toBe('PERMISSION_DENIED');
    expect(refused.error.message).toContain('"kv_get" needs permission "storage"');
    const http = await failure(plugin, 'fetch_it', 'http://127.0.0.1/');
    expect(http.error.message).toContain('"http_request" needs permission "network"');
    await expectEcho(plugin);
  });

  it('sends Http.request through the http_request host function when the network is granted', async () => {
    const requests: unknown[] = [];
    const plugin = await start(
      SANDBOX,
      { http_request: async (input) => (requests.push(JSON.parse(decode(input))), answerOk({ status: 201, headers: { a: 'b' }, body: 'made' })) },
      {},
      ['network'],
    );
    expect(JSON.parse(decode(await plugin.call('fetch_it', encode('http://127.0.0.1/x'))))).toEqual({ status: 201, headers: { a: 'b' }, body: 'made' });
    expect(requests).toEqual([{ method: 'GET', url: 'http://127.0.0.1/x', headers: {} }]);
  });

  it('fails a call whose host function throws with HOST_FUNCTION_FAILED, even if the plugin catches it', async () => {
    const plugin = await start(SANDBOX, { get_resource: async () => Promise.reject(new Error('store says no')) });
    for (const name of ['call_host', 'call_host_swallow']) {
      const { error } = await failure(plugin, name, 'x');
      expect(error.code).toBe('HOST_FUNCTION_FAILED');
      expect(error.message).toContain('store says no');
      await expectEcho(plugin);
    }
  });

  it('interrupts an endless loop at the deadline with TIMEOUT, keeping the worker, and the next call works', async () => {
    const plugin = await start();
    for (const name of ['loop', 'loop_catching']) {
      const { error, ms } = await failure(plugin, name, '', { timeoutMs: 200 });
      expect(error.code).toBe('TIMEOUT');
      expect(error.message).toContain('interrupted');
      expect(ms).toBeGreaterThanOrEqual(195);
      expect(ms).toBeLessThan(1_000);
      await expectEcho(plugin);
    }
    expect(plugin.stats()).toMatchObject({ timeouts: 2, restarts: 0 });
  });

  it('ends a call whose host function never answers at the backstop, replacing the worker', async () => {
    const plugin = await start(SANDBOX, { get_resource: () => new Promise<Uint8Array>(() => {}) });
    const { error, ms } = await failure(plugin, 'call_host', 'x', { timeoutMs: 200 });
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain('replaced');
    expect(ms).toBeLessThan(1_500);
    await expectEcho(plugin);
    expect(plugin.stats()).toMatchObject({ timeouts: 1, restarts: 1 });
  });

  it('stops a plugin at its memory cap with MEMORY_LIMIT (ArrayBuffers and objects alike), and the next call works', async () => {
    const plugin = await start(SANDBOX, undefined, { timeoutMs: 5_000 });
    for (const name of ['grow', 'grow_objects']) {
      const { error, ms } = await failure(plugin, name);
      expect(error.code, error.message).toBe('MEMORY_LIMIT');
      expect(ms).toBeLessThan(5_000);
      await expectEcho(plugin);
    }
    // The sandbox's own memory: QuickJS's 16 MiB base heap plus at most the plugin's 16 MiB.
    expect(plugin.stats().memoryBytes).toBeLessThanOrEqual(32 * 2 ** 20);
  });

  it('reports unbounded recursion as STACK_OVERFLOW within a 256 KiB stack that still fits ordinary recursion', async () => {
    const plugin = await start();
    expect(decode(await plugin.call('deep', encode('1000')))).toBe('1000');
    const { error } = await failure(plugin, 'recurse');
    expect(error.code).toBe('STACK_OVERFLOW');
    await expectEcho(plugin);
  });

  it('reports a throw or a non-zero return code as TRAP, and starts the next call from a fresh sandbox', async () => {
    const plugin = await start();
    expect(decode(await plugin.call('count', new Uint8Array(0)))).toBe('1');
    expect(decode(await plugin.call('count', new Uint8Array(0)))).toBe('2');
    const { error } = await failure(plugin, 'boom');
    expect(error.code).toBe('TRAP');
    expect(error.message).toContain('Error: boom');
    // Module state is gone: the counter starts over, as a wasm plugin's would after re-instantiation.
    expect(decode(await plugin.call('count', new Uint8Array(0)))).toBe('1');
    expect((await failure(plugin, 'fail_code')).error.message).toContain('returned 3');
    expect(plugin.stats()).toMatchObject({ failures: 2, reinstantiations: 2, restarts: 0 });
  });

  it('settles async exports and promise callbacks within the call', async () => {
    const plugin = await start();
    expect(decode(await plugin.call('later', encode('done')))).toBe('async done');
    expect((await failure(plugin, 'later_fails')).error.message).toContain('rejected later');
    expect((await failure(plugin, 'never')).error.message).toContain('still pending');
    await expectEcho(plugin);
  });

  it('fails the call in flight with CRASHED when the worker dies, and recovers', async () => {
    const plugin = await start();
    const inFlight = plugin.call('loop', new Uint8Array(0), { timeoutMs: 5_000 });
    await new Promise((r) => setTimeout(r, 100));
    await simulateWorkerCrash(plugin);
    await expect(inFlight).rejects.toMatchObject({ code: 'CRASHED' });
    await expectEcho(plugin);
  });

  it('refuses an export the plugin does not have, calls beyond the queue bound, and calls after close()', async () => {
    const plugin = await start(SANDBOX, undefined, {}, ['read'], createJsRuntime({ maxQueuedCalls: 2 }));
    await expect(plugin.call('missing', new Uint8Array(0))).rejects.toMatchObject({ code: 'NO_SUCH_EXPORT' });
    const running = plugin.call('loop', new Uint8Array(0), { timeoutMs: 300 });
    const queued = [plugin.call('echo', encode('a')), plugin.call('echo', encode('b'))];
    await expect(plugin.call('echo', encode('c'))).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    await expect(running).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect((await Promise.all(queued)).map(decode)).toEqual(['a', 'b']);
    const pending = expect(plugin.call('loop', new Uint8Array(0), { timeoutMs: 5_000 })).rejects.toMatchObject({ code: 'CLOSED' });
    await plugin.close();
    await pending;
    await expect(plugin.call('echo', encode('d'))).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('refuses at prepare a script that is not valid, an ES module, or whose top-level code fails or never ends', async () => {
    const prepare = (script: string | Uint8Array) =>
      runtime.prepare!(typeof script === 'string' ? encode(script) : script, { memoryMb: 16, allowedHostFunctions: allowedHostFunctionsFor([]) });
    const cases: [string | Uint8Array, string][] = [
      ['function (', 'SyntaxError'],
      ['export function handle_request() {}', 'CommonJS'],
      ['throw new Error("top-level failure")', 'top-level failure'],
      ['for (;;) {}', 'did not finish'],
      ['Host.getFunctions().get_resource(Memory.fromString("{}").offset)', 'only during a call'],
      [new Uint8Array([0xff, 0xfe, 0x00]), 'not UTF-8'],
    ];
    for (const [script, names] of cases) {
      const error = await prepare(script).then(() => null, (e: unknown) => e);
      expect(error, String(script)).toBeInstanceOf(PluginLoadError);
      expect((error as PluginLoadError).code).toBe('INVALID_MODULE');
      expect((error as PluginLoadError).message).toContain(names);
    }
  });

  it('refuses options it cannot honour when the instance is created', async () => {
    const prepared = await runtime.prepare!(encode(SANDBOX), { memoryMb: 16, allowedHostFunctions: allowedHostFunctionsFor(['read']) });
    await expect(runtime.instantiate(prepared, { hostFunctions: { get_resource: echoResource }, limits: { ...limits, fuel: 1_000 } })).rejects.toThrow(/no instruction budget/);
    await expect(runtime.instantiate(prepared, { hostFunctions: {}, limits: { ...limits, timeoutMs: 0 } })).rejects.toThrow(RangeError);
    await expect(runtime.instantiate({ kind: 'wasm', bytes: new Uint8Array(), exports: [] }, { hostFunctions: {}, limits })).rejects.toThrow(TypeError);
  });
});
