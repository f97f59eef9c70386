// The wasm runtime end to end: real AssemblyScript fixtures (fixtures/plugins/sandbox, built with
// the project's asc), real Extism, real worker threads. Needs the compiled worker: `npm test`
// builds first (see resolveWorkerUrl).

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compileAssemblyScript } from '../../../../test/support/asc.js';
import { repoRoot } from '../../../../test/support/host-process.js';

/** Builds a sandbox fixture (fixtures/plugins/sandbox/{entry}.ts) with the real asc. */
const buildSandboxFixture = (entry: 'index' | 'http'): Promise<Uint8Array> => compileAssemblyScript(`${repoRoot}/fixtures/plugins/sandbox`, `${entry}.ts`);
import type { HostFunction, InlineHostFunction, PluginInstance, RuntimeLimits } from '../runtime.js';
import { PluginCallError, PluginLoadError } from '../runtime.js';
import { allowedHostFunctionsFor } from '../../permissions.js';
import { prepareModule, type WasmPreparedCode } from './prepare.js';
import { HOST_CALL_FUEL } from './extism-sandbox.js';
import { InlineLane } from './inline-lane.js';
import { createWasmRuntime, simulateWorkerCrash } from './wasm-runtime.js';

/** Options for `loop`: without an (almost) unlimited budget, fuel would end it before the deadline. */
const endless = (timeoutMs: number): { timeoutMs: number; fuel: number } => ({ timeoutMs, fuel: Number.MAX_SAFE_INTEGER });

const EMPTY = new Uint8Array(0);
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

const runtime = createWasmRuntime();
const limits: RuntimeLimits = { timeoutMs: 2_000, fuel: 100_000_000, memoryMb: 16 };
let sandbox: WasmPreparedCode;
let httpFixture: Uint8Array;

/** The default `get_resource`: answers with the ABI envelope around the request. */
const echoResource: HostFunction = async (input) => encode(`{"ok":${JSON.stringify(decode(input))}}`);

const open: PluginInstance[] = [];
async function start(hostFunctions: Record<string, HostFunction> = { get_resource: echoResource }, overrides: Partial<RuntimeLimits> = {}, rt = runtime): Promise<PluginInstance> {
  const instance = await rt.instantiate(sandbox, { hostFunctions, limits: { ...limits, ...overrides } });
  open.push(instance);
  return instance;
}

/** Calls and expects a PluginCallError; returns it with the time it took. */
async function failure(instance: PluginInstance, exportName: string, input = '', options?: { timeoutMs?: number; fuel?: number }): Promise<{ error: PluginCallError; ms: number }> {
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

/** FNV-1a over the low byte of each index, as the fixture's `compute` does. */
function fnv(n: number): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < n; i++) hash = Math.imul(hash ^ (i & 0xff), 0x01000193) >>> 0;
  return String(hash);
}

beforeAll(async () => {
  const [bytes, http] = await Promise.all([buildSandboxFixture('index'), buildSandboxFixture('http')]);
  httpFixture = http;
  sandbox = await prepareModule(bytes, { memoryMb: 16, allowedHostFunctions: allowedHostFunctionsFor(['read']) });
}, 120_000);

afterEach(async () => {
  await Promise.all(open.splice(0).map((instance) => instance.close()));
});

afterAll(async () => {
  await Promise.all(open.map((instance) => instance.close()));
});

describe('the wasm runtime', () => {
  it('declares what it enforces', () => {
    expect(runtime.capabilities).toEqual({ kind: 'wasm', deadline: true, fuel: true, memoryCap: true, syncHostFunctions: true });
    expect(sandbox.exports).toEqual(['echo', 'loop', 'grow', 'recurse', 'trap', 'call_host', 'utf8', 'compute', 'bulk_misuse']);
    expect(sandbox).toMatchObject({ fuel: true, memoryPages: 256, hostFunctions: ['get_resource'] });
  });

  it('echoes bytes exactly, including UTF-8 and payloads larger than the shared buffer', async () => {
    const instance = await start();
    expect(instance.exports()).toEqual(sandbox.exports);
    for (const size of [0, 1, 7, 100, 65_536, 1_500_000]) {
      const input = new Uint8Array(size).map((_, i) => (i * 31 + 7) & 0xff);
      const output = await instance.call('echo', input);
      // Buffer comparison: vitest's deep equality walks 1.5 M elements one by one (seconds).
      expect(output.byteLength).toBe(size);
      expect(Buffer.compare(output, input)).toBe(0);
    }
    const text = 'héllo wörld ✓ 日本語 🎉';
    expect(decode(await instance.call('echo', encode(text)))).toBe(text);
    expect(decode(await instance.call('utf8', new Uint8Array()))).toBe(text);
  });

  it('answers 1,000 sequential calls and 200 concurrent calls correctly', async () => {
    const instance = await start();
    for (let i = 0; i < 1_000; i++) expect(decode(await instance.call('echo', encode(`sequential ${i}`)))).toBe(`sequential ${i}`);
    const inputs = Array.from({ length: 200 }, (_, i) => `concurrent ${i} ${'x'.repeat(i)}`);
    const outputs = await Promise.all(inputs.map((input) => instance.call('echo', encode(input))));
    expect(outputs.map(decode)).toEqual(inputs);
    expect(instance.stats()).toMatchObject({ calls: 1_200, failures: 0, queued: 0 });
  });

  it('calls a host function synchronously from the plugin and returns its answer', async () => {
    const seen: string[] = [];
    const instance = await start({
      get_resource: async (input) => {
        seen.push(decode(input));
        await new Promise((resolve) => setTimeout(resolve, 5)); // a real await in the parent
        return encode('{"ok":{"@id":"https://example.com/a"}}');
      },
    });
    expect(decode(await instance.call('call_host', encode('{"subject":"https://example.com/a"}')))).toBe('{"ok":{"@id":"https://example.com/a"}}');
    expect(seen).toEqual(['{"subject":"https://example.com/a"}']);
  });

  it('ends an endless loop at the deadline with TIMEOUT, and the next call works', async () => {
    const instance = await start();
    const { error, ms } = await failure(instance, 'loop', '', endless(200));
    expect(error.code).toBe('TIMEOUT');
    expect(error.exportName).toBe('loop');
    expect(error.message).toBe('Plugin call timed out: export "loop": no answer within 200 ms (the plugin was still running); the sandbox worker was replaced');
    expect(ms).toBeGreaterThanOrEqual(195);
    expect(ms).toBeLessThan(200 + 150);
    await expectEcho(instance);
    expect(instance.stats()).toMatchObject({ timeouts: 1, restarts: 1, failures: 1 });
    expect(instance.stats().lastError).toMatchObject({ code: 'TIMEOUT' });
  });

  it('runs calls queued behind a timed-out call on the replacement worker', async () => {
    const instance = await start();
    const [looping, queued] = await Promise.allSettled([
      failure(instance, 'loop', '', endless(150)),
      instance.call('echo', encode('queued')),
    ]);
    expect(looping).toMatchObject({ status: 'fulfilled', value: { error: { code: 'TIMEOUT' } } });
    expect(queued.status === 'fulfilled' && decode(queued.value)).toBe('queued');
  });

  it('stops a plugin at its memory cap with MEMORY_LIMIT, and the next call works', async () => {
    const instance = await start();
    const { error } = await failure(instance, 'grow');
    expect(error.code).toBe('MEMORY_LIMIT');
    expect(error.message).toMatch(/of 16 MiB/);
    await expectEcho(instance);
    expect(instance.stats().memoryBytes).toBeLessThan(2 ** 20); // re-instantiated: memory back to its start
  });

  it('honours a smaller memory cap at instantiation than at prepare', async () => {
    const instance = await start(undefined, { memoryMb: 4 });
    const { error } = await failure(instance, 'grow');
    expect(error.code).toBe('MEMORY_LIMIT');
    expect(error.message).toMatch(/of 4 MiB/);
  });

  it('reports unbounded recursion as STACK_OVERFLOW, and the next call works', async () => {
    const instance = await start();
    const { error } = await failure(instance, 'recurse');
    expect(error.code).toBe('STACK_OVERFLOW');
    await expectEcho(instance);
  });

  it('reports a trap as TRAP, and the next call works', async () => {
    const instance = await start();
    const { error } = await failure(instance, 'trap');
    expect(error.code).toBe('TRAP');
    expect(error.message).toBe('Plugin call trapped: export "trap": RuntimeError: unreachable');
    await expectEcho(instance);
    expect(instance.stats()).toMatchObject({ reinstantiations: 1, restarts: 0 });
  });

  it.each(['write-outside', 'read-outside', 'read-too-much'])('traps a bulk copy that reaches outside its memory or block (%s), and the next call works', async (how) => {
    const instance = await start();
    const { error } = await failure(instance, 'bulk_misuse', how);
    expect(error.code).toBe('TRAP');
    expect(error.message).toMatch(/outside the module's memory|no block of/);
    await expectEcho(instance);
  });

  it('stops a call that spends its fuel with FUEL_EXHAUSTED, and lets a big budget finish', async () => {
    const instance = await start();
    const { error } = await failure(instance, 'compute', '1000000', { fuel: 10_000 });
    expect(error.code).toBe('FUEL_EXHAUSTED');
    expect(error.message).toMatch(/budget of 10000 instructions/);
    expect(decode(await instance.call('compute', encode('1000000'), { fuel: 10_000_000 }))).toBe(fnv(1_000_000));
    // The instance's default budget (100M) applies when the call gives none.
    expect(decode(await instance.call('compute', encode('12345')))).toBe(fnv(12_345));
  });

  it('fails a call whose host function throws with HOST_FUNCTION_FAILED, and the next call works', async () => {
    const instance = await start({
      get_resource: async (input) => {
        if (decode(input) === 'fail') throw new Error('store says no');
        return echoResource(input);
      },
    });
    const { error } = await failure(instance, 'call_host', 'fail');
    expect(error.code).toBe('HOST_FUNCTION_FAILED');
    expect(error.message).toBe('A host function failed during the plugin call: export "call_host": host function "get_resource" failed: store says no');
    expect((error.cause as Error).message).toBe('store says no');
    expect(decode(await instance.call('call_host', encode('fine')))).toBe('{"ok":"fine"}');
  });

  // Each failed call_host leaks a slot of AssemblyScript's shadow stack; without re-instantiation
  // the fixture instance fails every call after ~2,050 of them (measured), so 3,000 tells.
  it('survives 3,000 host function failures in a row (re-instantiation undoes the shadow-stack leak)', async () => {
    const instance = await start({
      get_resource: async (input) => {
        if (decode(input) === 'fail') throw new Error('no');
        return echoResource(input);
      },
    });
    // A generous deadline: this is about surviving the failures, and on a loaded CI box a call
    // among 3,000 re-instantiations has taken over 2 s.
    for (let i = 0; i < 3_000; i++) {
      const error = await instance.call('call_host', encode('fail'), { timeoutMs: 20_000 }).then(() => null, (e: unknown) => e as PluginCallError);
      expect(error?.code, `call ${i}: ${error?.message}`).toBe('HOST_FUNCTION_FAILED');
    }
    expect(decode(await instance.call('call_host', encode('after')))).toBe('{"ok":"after"}');
    await expectEcho(instance);
    expect(instance.stats()).toMatchObject({ failures: 3_000, reinstantiations: 3_000, restarts: 0 });
  }, 120_000);

  it('treats a host function that resolves to something other than bytes as failed', async () => {
    const instance = await start({ get_resource: async () => 'not bytes' as unknown as Uint8Array });
    const { error } = await failure(instance, 'call_host', 'x');
    expect(error.code).toBe('HOST_FUNCTION_FAILED');
    expect(error.message).toMatch(/resolved to string, not a Uint8Array/);
  });

  it('ends a call whose host function never answers at the deadline', async () => {
    const instance = await start({ get_resource: () => new Promise<Uint8Array>(() => {}) });
    const { error, ms } = await failure(instance, 'call_host', 'x', { timeoutMs: 150 });
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toMatch(/\(the host function "get_resource" had not answered\)/);
    expect(ms).toBeLessThan(150 + 150);
    await expectEcho(instance);
  });

  it('fails the call in flight with CRASHED when the worker dies, and recovers', async () => {
    const instance = await start();
    const looping = failure(instance, 'loop', '', endless(10_000));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await simulateWorkerCrash(instance);
    const { error, ms } = await looping;
    expect(error.code).toBe('CRASHED');
    expect(error.message).toMatch(/the sandbox worker exited \(code 1\); it was replaced/);
    expect(ms).toBeLessThan(5_000);
    await expectEcho(instance);
    expect(instance.stats()).toMatchObject({ restarts: 1 });
  });

  it('recovers from a crash while idle, and without a spare worker', async () => {
    const instance = await start(undefined, {}, createWasmRuntime({ spareWorker: false }));
    await simulateWorkerCrash(instance);
    await expectEcho(instance);
    await failure(instance, 'loop', '', endless(100));
    await expectEcho(instance);
    expect(instance.stats()).toMatchObject({ restarts: 2, timeouts: 1 });
  });

  it('refuses an export the plugin does not have', async () => {
    const instance = await start();
    const { error } = await failure(instance, 'nope');
    expect(error.code).toBe('NO_SUCH_EXPORT');
    expect(error.message).toMatch(/^The plugin has no such export: export "nope": it exports "echo", "loop"/);
    expect(instance.stats().calls).toBe(0);
  });

  it('runs urgent calls ahead of queued ones', async () => {
    const instance = await start();
    const order: string[] = [];
    const track = (name: string, promise: Promise<Uint8Array>): Promise<void> => promise.then(() => void order.push(name));
    const busy = track('busy', instance.call('compute', encode('3000000')));
    const queued = [1, 2, 3].map((i) => track(`normal ${i}`, instance.call('echo', encode('n'))));
    const urgent = [1, 2].map((i) => track(`urgent ${i}`, instance.call('echo', encode('u'), { urgent: true })));
    await Promise.all([busy, ...queued, ...urgent]);
    expect(order).toEqual(['busy', 'urgent 1', 'urgent 2', 'normal 1', 'normal 2', 'normal 3']);
  });

  it('refuses calls beyond the queue bound with QUEUE_FULL', async () => {
    const instance = await start(undefined, {}, createWasmRuntime({ maxQueuedCalls: 2 }));
    const calls = Array.from({ length: 4 }, (_, i) => instance.call('echo', encode(`${i}`)).then(decode, (error: PluginCallError) => error.code));
    // The first is in flight at once; two wait; the fourth is refused.
    expect(await Promise.all(calls)).toEqual(['0', '1', '2', 'QUEUE_FULL']);
  });

  it('fails the call in flight and queued calls with CLOSED on close(), and every later call', async () => {
    const instance = await start();
    const inFlight = failure(instance, 'loop', '', endless(10_000));
    const queued = failure(instance, 'echo', 'queued');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await instance.close();
    expect((await inFlight).error.code).toBe('CLOSED');
    expect((await queued).error.code).toBe('CLOSED');
    const { error } = await failure(instance, 'echo');
    expect(error.message).toBe('The plugin instance is closed: export "echo": close() was called');
    await instance.close(); // idempotent
  });

  it('refuses options it cannot honour when the instance is created', async () => {
    await expect(runtime.instantiate(sandbox, { hostFunctions: {}, limits })).rejects.toThrow(
      new TypeError('the module imports host functions with no implementation given: get_resource'),
    );
    const unfueled = await prepareModule(await buildSandboxFixture('index'), { memoryMb: 16, allowedHostFunctions: ['get_resource'], fuel: false });
    expect(unfueled.fuel).toBe(false);
    await expect(runtime.instantiate(unfueled, { hostFunctions: { get_resource: echoResource }, limits })).rejects.toThrow(
      /limits.fuel needs code prepared with fuel/,
    );
    await expect(runtime.instantiate(sandbox, { hostFunctions: { get_resource: echoResource }, limits: { ...limits, timeoutMs: 0 } })).rejects.toThrow(RangeError);
    // Unfueled code runs with fuel: null.
    const instance = await runtime.instantiate(unfueled, { hostFunctions: { get_resource: echoResource }, limits: { ...limits, fuel: null } });
    open.push(instance);
    await expectEcho(instance);
  });

  it('refuses at prepare a module importing http_request unless the plugin may use the network', async () => {
    const refused = runtime.prepare!(httpFixture, { memoryMb: 16, allowedHostFunctions: allowedHostFunctionsFor(['read']) });
    await expect(refused).rejects.toBeInstanceOf(PluginLoadError);
    await expect(refused).rejects.toMatchObject({
      code: 'IMPORT_REFUSED',
      problems: ['import "extism:host/user" "http_request" needs permission "network"'],
    });
    const allowed = await runtime.prepare!(httpFixture, { memoryMb: 16, allowedHostFunctions: allowedHostFunctionsFor(['network']), fuel: false });
    expect(allowed.exports).toEqual(['fetch']);
    const instance = await runtime.instantiate(allowed, {
      hostFunctions: { http_request: async () => encode('{"ok":{"status":200}}') },
      limits: { ...limits, fuel: null },
    });
    open.push(instance);
    expect(decode(await instance.call('fetch', encode('{"url":"https://example.com"}')))).toBe('{"ok":{"status":200}}');
  });
});

describe('the inline lane', () => {
  /** A synchronous get_resource whose answers differ from the worker's, to see which lane answered. */
  const inlineResource = (input: Uint8Array): Uint8Array => encode(`{"ok":${JSON.stringify(`inline ${decode(input)}`)}}`);

  async function startInline(overrides: Partial<RuntimeLimits> = {}, inlineHostFunctions: Record<string, InlineHostFunction> = { get_resource: inlineResource }): Promise<PluginInstance> {
    const instance = await runtime.instantiate(sandbox, { hostFunctions: { get_resource: echoResource }, inlineHostFunctions, limits: { ...limits, ...overrides } });
    open.push(instance);
    return instance;
  }

  it('runs a plugin that imports only read-only host functions on the host thread', async () => {
    const instance = await startInline();
    expect(instance).toBeInstanceOf(InlineLane);
    await expectEcho(instance);
    expect(decode(await instance.call('call_host', encode('x')))).toBe('{"ok":"inline x"}');
    expect(decode(await instance.call('utf8', EMPTY))).toBe('héllo wörld ✓ 日本語 🎉');
    expect((instance as InlineLane).groupsOnWorker()).toEqual([]);
    expect(instance.stats()).toMatchObject({ calls: 3, failures: 0, restarts: 0 });
  });

  it('is used only when the host gives synchronous host functions', async () => {
    const instance = await start();
    expect(instance).not.toBeInstanceOf(InlineLane);
  });

  it('defers a call that reaches for a host function with no synchronous version to the worker', async () => {
    const instance = await startInline({}, {});
    expect(instance).toBeInstanceOf(InlineLane);
    expect(decode(await instance.call('call_host', encode('x')))).toBe('{"ok":"x"}');
    expect((instance as InlineLane).groupsOnWorker()).toEqual(['call_host']);
    expect(instance.stats().failures).toBe(0);
  });

  it('remembers where calls run per affinity group, not per export', async () => {
    const instance = await startInline();
    expect(decode(await instance.call('compute', encode('5000000'), { affinity: 'heavy' }))).toBe(fnv(5_000_000));
    expect(decode(await instance.call('compute', encode('10'), { affinity: 'light' }))).toBe(fnv(10));
    expect((instance as InlineLane).groupsOnWorker()).toEqual(['heavy']);
  });

  it('moves a call that outgrows the inline budget to the worker, with the full budget, and gets the same answer', async () => {
    const instance = await startInline();
    const n = 5_000_000; // far beyond the inline budget, well within the plugin's
    expect(decode(await instance.call('compute', encode(String(n))))).toBe(fnv(n));
    expect((instance as InlineLane).groupsOnWorker()).toEqual(['compute']);
    expect(decode(await instance.call('compute', encode('10')))).toBe(fnv(10));
    await expectEcho(instance); // other exports stay inline
    expect((instance as InlineLane).groupsOnWorker()).toEqual(['compute']);
    expect(instance.stats().failures).toBe(0);
  });

  it('leaves runaway calls to the worker, where the deadline ends them, and keeps serving', async () => {
    const instance = await startInline();
    const { error, ms } = await failure(instance, 'loop', '', endless(300));
    expect(error.code).toBe('TIMEOUT');
    expect(ms).toBeLessThan(2_000);
    await expectEcho(instance);
  });

  it('fails a trap, a stack overflow and the memory cap inline like on the worker', async () => {
    const instance = await startInline();
    expect((await failure(instance, 'trap')).error.code).toBe('TRAP');
    expect((await failure(instance, 'recurse')).error.code).toBe('STACK_OVERFLOW');
    expect((await failure(instance, 'grow')).error.code).toBe('MEMORY_LIMIT');
    await expectEcho(instance);
    expect((instance as InlineLane).groupsOnWorker().toSorted()).toEqual(['grow', 'recurse', 'trap']);
    // On the worker now, they fail the same way.
    expect((await failure(instance, 'trap')).error.code).toBe('TRAP');
    expect(instance.stats().failures).toBe(4);
  });

  it('keeps a small explicit budget: a call that spends it fails with FUEL_EXHAUSTED instead of moving', async () => {
    const instance = await startInline();
    expect((await failure(instance, 'compute', '100000', { fuel: 1_000 })).error.code).toBe('FUEL_EXHAUSTED');
    expect(decode(await instance.call('compute', encode('10'), { fuel: 1_000 }))).toBe(fnv(10));
  });

  it('charges host calls to fuel, so that a loop of them cannot keep the host thread busy', async () => {
    const instance = await startInline();
    // A host call costs HOST_CALL_FUEL units and more: a budget below that runs out in the call.
    const { error } = await failure(instance, 'call_host', 'x', { fuel: Number(HOST_CALL_FUEL) - 10 });
    expect(error.code).toBe('FUEL_EXHAUSTED');
    // Having failed inline, the export runs on the worker (whose get_resource answers differently).
    expect(decode(await instance.call('call_host', encode('x'), { fuel: Number(HOST_CALL_FUEL) + 1_000 }))).toBe('{"ok":"x"}');
  });
});
