// The AssemblyScript SDK against plugin ABI v1 (docs/plugins/abi.md): the probe plugin
// (fixtures/plugins/probe) and a JSON harness (test/harness.ts) are built with the real `asc`
// (cached in os.tmpdir() by a hash of the sources) and run with @extism/extism on this thread.
// The host functions are in-memory fakes of the server that speak the ABI envelope exactly; the
// real server integration is tested elsewhere.

import { describe, it, expect, beforeAll, beforeEach } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import createPlugin, { type CallContext, type Plugin } from '@extism/extism';
import { BULK_MEMORY, bulkMemoryFunctions, type BulkMemoryTarget } from '../../server/plugins/runtimes/wasm/extism-sandbox.js';
import type { WasmMemory } from '../../server/plugins/runtimes/wasm/webassembly.js';
import { compileAssemblyScript } from '../../test/support/asc.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const sdkDir = join(root, 'sdk/assemblyscript');
const probeDir = join(root, 'fixtures/plugins/probe');
const harnessDir = join(sdkDir, 'test');

// ---------------------------------------------------------------------------------------------
// Building

// The project's lib setting has no WebAssembly types; this is the little the test needs.
interface ImportDescriptor { module: string; name: string; kind: string }
const wasm = (globalThis as unknown as {
  WebAssembly: { Module: { new (bytes: Uint8Array): object; exports(m: object): { name: string }[]; imports(m: object): ImportDescriptor[] } };
}).WebAssembly;
const exportsOf = (bytes: Uint8Array) => wasm.Module.exports(new wasm.Module(bytes)).map((e) => e.name);
const importsOf = (bytes: Uint8Array) => wasm.Module.imports(new wasm.Module(bytes));

const build = compileAssemblyScript;

// ---------------------------------------------------------------------------------------------
// A fake server behind the host functions

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Envelope = { ok: Json } | { error: { code: string; message: string; index?: number; subject?: string } };

const SERVER = 'http://localhost:9883';
const NAME = 'https://atomicdata.dev/properties/name';
const DESCRIPTION = 'https://atomicdata.dev/properties/description';
const IS_A = 'https://atomicdata.dev/properties/isA';
const SET = 'https://atomicdata.dev/properties/set';
const SEEN = 'https://example.com/probe/seen';

const hostFunctionNames = [
  'get_resource', 'query', 'commit', 'commit_batch', 'can', 'get_config', 'get_plugin_agent',
  'kv_get', 'kv_set', 'kv_delete', 'log', 'http_request', 'call_plugin', 'host_stats',
] as const;
type HostFunctionName = (typeof hostFunctionNames)[number];

const error = (code: string, message: string): Envelope => ({ error: { code, message } });

class FakeServer {
  calls: { fn: HostFunctionName; request: Json }[] = [];
  resources = new Map<string, Record<string, Json>>();
  kv = new Map<string, Json>();
  logs: { level: string; message: string }[] = [];
  config: Json = { greeting: 'grüezi', limits: { max: 3 }, tags: ['a', 'b'] };
  commitCount = 0;
  /** Raw answers (any text) that replace the fake's own, per host function. */
  rawAnswers = new Map<HostFunctionName, string>();

  constructor() {
    this.resources.set(`${SERVER}/notes/1`, { [NAME]: 'Ünïcødé note ✓ 😀', [IS_A]: ['https://atomicdata.dev/classes/Article'] });
    this.resources.set(`${SERVER}/notes/2`, { [NAME]: 'second', [IS_A]: ['https://atomicdata.dev/classes/Article'] });
    this.resources.set(`${SERVER}/people/1`, { [NAME]: 'Ada', [IS_A]: ['https://atomicdata.dev/classes/Person'] });
  }

  /** The host functions for `createPlugin`: read the request block, answer with an envelope block. */
  functions(): Record<string, (ctx: CallContext, offset: bigint) => bigint> {
    const fns: Record<string, (ctx: CallContext, offset: bigint) => bigint> = {};
    for (const name of hostFunctionNames) {
      fns[name] = (ctx, offset) => {
        const request = ctx.read(offset)!.json() as Json;
        this.calls.push({ fn: name, request });
        const raw = this.rawAnswers.get(name);
        return ctx.store(raw ?? JSON.stringify(this.answer(name, request as Record<string, Json>)));
      };
    }
    return fns;
  }

  answer(fn: HostFunctionName, req: Record<string, Json>): Envelope {
    switch (fn) {
      case 'get_resource': {
        const propvals = this.resources.get(req.subject as string);
        return propvals ? { ok: { '@id': req.subject as string, ...propvals } } : error('NOT_FOUND', `No resource ${String(req.subject)}`);
      }
      case 'query': {
        const matches = (v: Json | undefined) => v !== undefined && (req.value === undefined || v === req.value || (Array.isArray(v) && v.includes(req.value as Json)));
        const found = [...this.resources].filter(([, pv]) => matches(pv[req.property as string]));
        const members = found.map(([s]) => s);
        if (req.include_resources !== true) return { ok: { members, total: members.length } };
        return { ok: { members, total: members.length, resources: found.map(([s, pv]) => ({ '@id': s, ...pv })) } };
      }
      case 'commit': {
        const subject = req.subject as string;
        if (!subject.startsWith(`${SERVER}/`)) return error('FORBIDDEN', `The plugin's agent may not write ${subject}`);
        const current = { ...(this.resources.get(subject) ?? {}) };
        Object.assign(current, req.set ?? {});
        this.resources.set(subject, current);
        return { ok: { commit: `${SERVER}/commits/${++this.commitCount}` } };
      }
      case 'commit_batch': {
        const commits = req.commits as Record<string, Json>[];
        const refused = commits.findIndex((c) => !(c.subject as string).startsWith(`${SERVER}/`));
        if (refused >= 0) return { error: { code: 'FORBIDDEN', message: 'not here', index: refused, subject: commits[refused]!.subject as string } };
        return { ok: { commits: commits.map((c) => (this.answer('commit', c) as { ok: { commit: string } }).ok.commit) } };
      }
      case 'can':
        // The fake's rule: anonymous may read notes only; agents may read everything and write nothing.
        if (req.right !== 'read') return { ok: { allowed: [] } };
        return { ok: { allowed: (req.subjects as string[]).filter((s) => this.resources.has(s) && (req.agent !== null || s.startsWith(`${SERVER}/notes/`))) } };
      case 'get_config':
        return { ok: this.config };
      case 'get_plugin_agent':
        return { ok: { subject: `${SERVER}/agents/cHJvYmU=`, publicKey: 'cHJvYmU=' } };
      case 'kv_get':
        return { ok: this.kv.get(req.key as string) ?? null };
      case 'kv_set':
        this.kv.set(req.key as string, req.value as Json);
        return { ok: true };
      case 'kv_delete':
        this.kv.delete(req.key as string);
        return { ok: true };
      case 'log':
        this.logs.push({ level: req.level as string, message: req.message as string });
        return { ok: true };
      case 'http_request': {
        const url = new URL(req.url as string);
        if (!['127.0.0.1', 'localhost'].includes(url.hostname)) return error('HOST_NOT_ALLOWED', `${url.hostname} is not in the plugin's network hosts`);
        return { ok: { status: 201, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-fake': 'yes' }, body: `fetched ${url.pathname} ✓` } };
      }
      case 'call_plugin': {
        if (req.plugin !== 'test/greeter@^1.0.0' || req.function !== 'greet') return error('PLUGIN_NOT_FOUND', `No active plugin provides ${String(req.plugin)} ${String(req.function)}`);
        const input = req.input as Record<string, Json>;
        return { ok: { greeting: `hello ${String(input.name)}` } };
      }
      case 'host_stats':
        return { ok: { host: { uptime: { processSeconds: 1, systemSeconds: 2 } }, plugins: [] } };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Running

let probeWasm: Uint8Array;
let harnessWasm: Uint8Array;
let server: FakeServer;
let probe: Plugin;
const aborts: string[] = [];

const quietLogger = {
  ...console,
  error: (...args: unknown[]) => { aborts.push(args.map(String).join(' ')); },
  warn: () => {}, info: () => {}, debug: () => {}, trace: () => {}, log: () => {},
} as unknown as Console;

async function load(wasm: Uint8Array, host: FakeServer): Promise<Plugin> {
  // The SDK moves bytes with the host's bulk copies; the real host's implementation serves them.
  const bulk: BulkMemoryTarget = { memory: undefined, fuel: undefined };
  const plugin = await createPlugin(
    { wasm: [{ data: wasm }] },
    { useWasi: false, functions: { 'extism:host/user': host.functions(), [BULK_MEMORY]: bulkMemoryFunctions(bulk) }, logger: quietLogger, logLevel: 'error' },
  );
  bulk.memory = (await plugin.getInstance()).exports.memory as WasmMemory;
  return plugin;
}

async function callJson(plugin: Plugin, fn: string, input: unknown): Promise<any> {
  const out = await plugin.call(fn, typeof input === 'string' ? input : JSON.stringify(input));
  return out === null ? null : JSON.parse(out.text());
}

interface HttpAnswer { status: number; headers: Record<string, string>; body: string }

async function request(method: string, route: string, opts: { query?: Record<string, string>; body?: string; headers?: Record<string, string>; agent?: string | null } = {}): Promise<HttpAnswer> {
  return callJson(probe, 'handle_request', {
    method,
    path: `/plugins/test/probe${route}`,
    query: opts.query ?? {},
    headers: opts.headers ?? {},
    body: opts.body ?? '',
    agent: opts.agent ?? null,
  });
}

beforeAll(async () => {
  [probeWasm, harnessWasm] = await Promise.all([build(probeDir, 'index.ts'), build(harnessDir, 'harness.ts')]);
}, 180_000);

beforeEach(async () => {
  server = new FakeServer();
  probe = await load(probeWasm, server);
});

const hookExports = ['init', 'handle_request', 'before_commit', 'after_commit', 'on_resource_get', 'on_schedule', 'on_plugin_event'];

describe('the built modules', () => {
  it('the probe exports every hook and its provided function, and its manifest declares them', () => {
    const exports = exportsOf(probeWasm);
    expect(exports).toEqual(expect.arrayContaining([...hookExports, 'greet', 'memory']));
    const manifest = JSON.parse(readFileSync(join(probeDir, 'plugin.json'), 'utf8'));
    expect(manifest.runtime).toBe('wasm');
    expect(Object.keys(manifest.hooks).sort()).toEqual(['afterCommit', 'beforeCommit', 'endpoints', 'onResourceGet', 'pluginEvents', 'schedules']);
    for (const provided of manifest.provides) for (const fn of provided.functions) expect(exports).toContain(fn);
  });

  it('imports only Extism kernel functions, ABI host functions and the bulk copies (no env.abort)', () => {
    const kernel = new Set(['alloc', 'free', 'length', 'load_u8', 'load_u64', 'store_u8', 'store_u64', 'input_offset', 'input_length', 'input_load_u8', 'input_load_u64', 'output_set', 'error_set', 'log_error']);
    const imports = importsOf(probeWasm);
    for (const i of imports) {
      if (i.module === 'extism:host/env') expect(kernel).toContain(i.name);
      else if (i.module === BULK_MEMORY) expect(['read', 'write']).toContain(i.name);
      else expect(i.module).toBe('extism:host/user');
    }
    expect(imports.filter((i) => i.module === 'extism:host/user').map((i) => i.name).sort()).toEqual([...hostFunctionNames].sort());
  });

  it('a module imports only the host functions it calls', () => {
    const imports = importsOf(harnessWasm);
    expect(imports.filter((i) => i.module === 'extism:host/user')).toEqual([]);
  });
});

describe('init', () => {
  it('reads the plugin identity and logs through the log host function', async () => {
    const out = await probe.call('init', JSON.stringify({ config: { a: 1 }, plugin: { namespace: 'test', name: 'probe', version: '0.1.0', agent: `${SERVER}/agents/x` } }));
    expect(out?.text() ?? '').toBe('');
    expect(server.calls).toEqual([{ fn: 'log', request: { level: 'info', message: `probe 0.1.0 ready as ${SERVER}/agents/x` } }]);
  });
});

describe('handle_request', () => {
  it('/echo returns the body and its content type', async () => {
    const body = JSON.stringify({ text: 'héllo ✓ 😀 中文', ctl: '\u0001\n"' });
    const res = await request('POST', '/echo', { body, headers: { 'content-type': 'application/json' } });
    expect(res).toEqual({ status: 200, headers: { 'content-type': 'application/json' }, body });
    expect(server.calls).toEqual([]);
  });

  it('/echo round-trips a large non-ASCII body', async () => {
    const body = 'aé✓😀\u0000"\\'.repeat(20_000);
    const res = await request('POST', '/echo', { body });
    expect(res.body).toBe(body);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  it('reads the request as JSON would: unknown members skipped, repeated names, values that are not strings', async () => {
    const subject = `${SERVER}/notes/1`;
    const input = `{"extra":{"a":[1,{"b":null}],"c":"}"},"method":"GET","path":"/plugins/test/probe/nope","headers":{"x":"1","Content-Type":"text/csv","n":5,"x":"2"},` +
      `"query":{"subject":"${subject.replace(/\//g, '\\/')}","deep":{"k":[true]}},"path":"/plugins/test/probe/resource","body":"","agent":null}`;
    const res = await callJson(probe, 'handle_request', input);
    expect(res.status).toBe(200);
    expect(server.calls).toEqual([{ fn: 'get_resource', request: { subject } }]);
    // Header lookups ignore case; a value that is not a string is kept as its JSON text.
    const echo = await callJson(probe, 'handle_request', { method: 'POST', path: '/plugins/test/probe/echo', headers: { 'Content-Type': 'text/csv', n: 5 }, query: [], body: 'a,b', agent: 7 });
    expect(echo).toEqual({ status: 200, headers: { 'content-type': 'text/csv' }, body: 'a,b' });
  });

  it('input that is not a JSON object is read as GET / (a 404 from the probe), never a trap', async () => {
    for (const input of ['nope', '[1]', '{"method":"POST","path":"/plugins/test/probe/echo"', '{"method":"POST","path":"/plugins/test/probe/echo"} x', '{"path":"/plugins/test/probe/echo","headers":{"a":}}', '']) {
      const res = await callJson(probe, 'handle_request', input);
      expect(res, input).toEqual({ status: 404, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no route /' } }) });
    }
  });

  it('/utf8 answers non-ASCII text, UTF-8 encoded', async () => {
    const out = await probe.call('handle_request', JSON.stringify({ method: 'GET', path: '/plugins/test/probe/utf8', query: {}, headers: {}, body: '', agent: null }));
    const bytes = out!.bytes();
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    expect(JSON.parse(text)).toEqual({ status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'héllo wörld ✓' });
  });

  it('/resource calls get_resource and returns the resource', async () => {
    const subject = `${SERVER}/notes/1`;
    const res = await request('GET', '/resource', { query: { subject } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(res.body)).toEqual({ '@id': subject, ...server.resources.get(subject) });
    expect(server.calls).toEqual([{ fn: 'get_resource', request: { subject } }]);
  });

  it('/resource for a missing subject: the error envelope becomes a 404, not a trap', async () => {
    const subject = `${SERVER}/nope`;
    const res = await request('GET', '/resource', { query: { subject } });
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'NOT_FOUND', message: `No resource ${subject}` } });
    // The instance is still usable.
    expect((await request('GET', '/resource', { query: { subject: `${SERVER}/notes/2` } })).status).toBe(200);
  });

  it('/query calls query with property and value', async () => {
    const res = await request('GET', '/query', { query: { property: NAME, value: 'Ada' } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ members: [`${SERVER}/people/1`], total: 1 });
    expect(server.calls).toEqual([{ fn: 'query', request: { property: NAME, value: 'Ada' } }]);
  });

  it('/query without a value sends only the property', async () => {
    const res = await request('GET', '/query', { query: { property: IS_A } });
    expect(JSON.parse(res.body).total).toBe(3);
    expect(server.calls).toEqual([{ fn: 'query', request: { property: IS_A } }]);
  });

  it('/commit calls commit with subject and set', async () => {
    const subject = `${SERVER}/notes/3`;
    const set = { [NAME]: 'neu ✓', [DESCRIPTION]: 'line 1\nline "2"', 'https://example.com/n': 42.5, 'https://example.com/list': ['x', 'y'] };
    const res = await request('POST', '/commit', { body: JSON.stringify({ subject, set }) });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ commit: `${SERVER}/commits/1` });
    expect(server.calls).toEqual([{ fn: 'commit', request: { subject, set } }]);
    expect(server.resources.get(subject)).toEqual(set);
  });

  it('/behalf sends on_behalf_of: the requester, null for an anonymous one, or ?as=', async () => {
    const subject = `${SERVER}/notes/4`;
    const agent = `${SERVER}/agents/requester`;
    await request('POST', '/behalf', { body: JSON.stringify({ subject, set: { [NAME]: 'x' } }), agent });
    await request('POST', '/behalf', { body: JSON.stringify({ subject, set: { [NAME]: 'y' } }) });
    await request('POST', '/behalf', { body: JSON.stringify({ subject, set: { [NAME]: 'z' } }), agent, query: { as: `${SERVER}/agents/other` } });
    expect(server.calls.map((c) => (c.request as Record<string, Json>).on_behalf_of)).toEqual([agent, null, `${SERVER}/agents/other`]);
  });

  it('/batch calls commit_batch; a refusal names the refused commit', async () => {
    const a = { subject: `${SERVER}/notes/5`, set: { [NAME]: 'five' } };
    const b = { subject: `${SERVER}/notes/6`, set: { [NAME]: 'six' } };
    const res = await request('POST', '/batch', { body: JSON.stringify({ commits: [a, b], behalf: true }), agent: `${SERVER}/agents/r` });
    expect(JSON.parse(res.body)).toEqual({ commits: [`${SERVER}/commits/1`, `${SERVER}/commits/2`] });
    expect(server.calls[0]).toEqual({ fn: 'commit_batch', request: { commits: [a, b], on_behalf_of: `${SERVER}/agents/r` } });
    const elsewhere = { subject: 'https://elsewhere.example/x', set: { [NAME]: 'x' } };
    const refused = await request('POST', '/batch', { body: JSON.stringify({ commits: [a, elsewhere] }) });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toEqual({ error: { code: 'FORBIDDEN', message: 'not here', index: 1, subject: elsewhere.subject } });
    expect(server.calls[1]).toEqual({ fn: 'commit_batch', request: { commits: [a, elsewhere] } });
  });

  it('/can calls can with agent (null: anonymous), right and subjects', async () => {
    const subjects = [`${SERVER}/notes/1`, `${SERVER}/people/1`, `${SERVER}/missing`];
    const anonymous = await request('POST', '/can', { body: JSON.stringify({ agent: null, right: 'read', subjects }) });
    expect(JSON.parse(anonymous.body)).toEqual({ allowed: [`${SERVER}/notes/1`] });
    const agent = await request('POST', '/can', { body: JSON.stringify({ agent: `${SERVER}/agents/a`, right: 'read', subjects }) });
    expect(JSON.parse(agent.body)).toEqual({ allowed: subjects.slice(0, 2) });
    expect(server.calls[0]).toEqual({ fn: 'can', request: { agent: null, right: 'read', subjects } });
  });

  it('/query with include asks for the resources and answers them', async () => {
    const res = await request('GET', '/query', { query: { property: NAME, value: 'Ada', include: '1' } });
    expect(JSON.parse(res.body)).toEqual({ members: [`${SERVER}/people/1`], total: 1, resources: [{ '@id': `${SERVER}/people/1`, ...server.resources.get(`${SERVER}/people/1`) }] });
    expect(server.calls).toEqual([{ fn: 'query', request: { property: NAME, value: 'Ada', include_resources: true } }]);
  });

  it('/commit: a refused commit is a 403 with the host error; a bad body is a 400 without a host call', async () => {
    const refused = await request('POST', '/commit', { body: JSON.stringify({ subject: 'https://elsewhere.example/x', set: { [NAME]: 'x' } }) });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).error.code).toBe('FORBIDDEN');
    server.calls = [];
    const bad = await request('POST', '/commit', { body: '{"subject": ' });
    expect(bad.status).toBe(400);
    expect(server.calls).toEqual([]);
  });

  it('/config returns get_config', async () => {
    const res = await request('GET', '/config');
    expect(JSON.parse(res.body)).toEqual(server.config);
    expect(server.calls).toEqual([{ fn: 'get_config', request: {} }]);
  });

  it('/agent returns get_plugin_agent', async () => {
    const res = await request('GET', '/agent');
    expect(JSON.parse(res.body)).toEqual({ subject: `${SERVER}/agents/cHJvYmU=`, publicKey: 'cHJvYmU=' });
    expect(server.calls).toEqual([{ fn: 'get_plugin_agent', request: {} }]);
  });

  it('/kv/{key} sets, gets and deletes', async () => {
    const value = { a: 'ü', n: [1, 2.5, null, true] };
    expect((await request('PUT', '/kv/my-key', { body: JSON.stringify(value) })).status).toBe(200);
    expect(server.kv.get('my-key')).toEqual(value);
    const got = await request('GET', '/kv/my-key');
    expect(JSON.parse(got.body)).toEqual({ key: 'my-key', value });
    expect((await request('DELETE', '/kv/my-key')).status).toBe(200);
    const gone = await request('GET', '/kv/my-key');
    expect(JSON.parse(gone.body)).toEqual({ key: 'my-key', value: null });
    await request('PUT', '/kv/text', { body: 'not json ✓' });
    expect(server.kv.get('text')).toBe('not json ✓');
    expect(server.calls).toEqual([
      { fn: 'kv_set', request: { key: 'my-key', value } },
      { fn: 'kv_get', request: { key: 'my-key' } },
      { fn: 'kv_delete', request: { key: 'my-key' } },
      { fn: 'kv_get', request: { key: 'my-key' } },
      { fn: 'kv_set', request: { key: 'text', value: 'not json ✓' } },
    ]);
    expect((await request('PATCH', '/kv/x')).status).toBe(405);
  });

  it('/log calls log with level and message', async () => {
    const res = await request('POST', '/log', { query: { level: 'warn' }, body: 'watch out ✓' });
    expect(res.status).toBe(200);
    expect(server.calls).toEqual([{ fn: 'log', request: { level: 'warn', message: 'watch out ✓' } }]);
  });

  it('/http calls http_request; a refused host comes back as an error response', async () => {
    const url = 'http://127.0.0.1:8080/data';
    const res = await request('GET', '/http', { query: { url } });
    expect(JSON.parse(res.body)).toEqual({ status: 201, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-fake': 'yes' }, body: 'fetched /data ✓' });
    expect(server.calls).toEqual([{ fn: 'http_request', request: { method: 'GET', url, headers: {} } }]);
    const refused = await request('GET', '/http', { query: { url: 'https://evil.example/' } });
    expect(refused.status).toBe(502);
    expect(JSON.parse(refused.body).error.code).toBe('HOST_NOT_ALLOWED');
  });

  it('/call calls call_plugin with plugin, function and input', async () => {
    const res = await request('POST', '/call', { query: { plugin: 'test/greeter@^1.0.0', fn: 'greet' }, body: JSON.stringify({ name: 'wörld' }) });
    expect(JSON.parse(res.body)).toEqual({ greeting: 'hello wörld' });
    expect(server.calls).toEqual([{ fn: 'call_plugin', request: { plugin: 'test/greeter@^1.0.0', function: 'greet', input: { name: 'wörld' } } }]);
    const missing = await request('POST', '/call', { query: { plugin: 'x/y@1', fn: 'nope' } });
    expect(JSON.parse(missing.body).error.code).toBe('PLUGIN_NOT_FOUND');
  });

  it('an unknown route is a 404', async () => {
    const res = await request('GET', '/nowhere');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body).error.message).toBe('no route /nowhere');
    expect(JSON.parse((await request('GET', '')).body).error.message).toBe('no route /');
  });
});

describe('malformed host answers are handled errors', () => {
  const cases: [string, string, string][] = [
    ['not JSON', 'this is not json', 'INVALID_RESPONSE'],
    ['neither ok nor error', '{"value": 1}', 'INVALID_RESPONSE'],
    ['an array', '[1,2]', 'INVALID_RESPONSE'],
    ['truncated', '{"ok": {"a": ', 'INVALID_RESPONSE'],
    ['an error envelope', '{"error": {"code": "RATE_LIMITED", "message": "slow down ✓"}}', 'RATE_LIMITED'],
  ];
  for (const [what, raw, code] of cases) {
    it(`${what}: ${code}`, async () => {
      server.rawAnswers.set('get_config', raw);
      const res = await request('GET', '/config');
      expect(res.status).toBe(502);
      expect(JSON.parse(res.body).error.code).toBe(code);
      if (code === 'RATE_LIMITED') expect(JSON.parse(res.body).error.message).toBe('slow down ✓');
      server.rawAnswers.clear();
      expect((await request('GET', '/config')).status).toBe(200);
    });
  }
});

describe('before_commit', () => {
  const event = (set: Record<string, Json> | undefined, extra: Record<string, Json> = {}) => ({
    commit: { [SET]: set ?? null, 'https://atomicdata.dev/properties/subject': `${SERVER}/notes/1`, ...extra },
    subject: `${SERVER}/notes/1`,
    before: { [NAME]: 'old' },
    after: set ? { [NAME]: set[NAME] ?? 'old' } : null,
    signer: `${SERVER}/agents/someone`,
  });

  it('rejects a commit that sets the name to "forbidden"', async () => {
    expect(await callJson(probe, 'before_commit', event({ [NAME]: 'forbidden' }))).toEqual({ allow: false, reason: 'names may not be forbidden' });
  });

  it('allows other commits', async () => {
    expect(await callJson(probe, 'before_commit', event({ [NAME]: 'fine ✓' }))).toEqual({ allow: true });
    expect(await callJson(probe, 'before_commit', event({ [DESCRIPTION]: 'forbidden' }))).toEqual({ allow: true });
    expect(await callJson(probe, 'before_commit', event(undefined, { 'https://atomicdata.dev/properties/destroy': true }))).toEqual({ allow: true });
    expect(server.calls).toEqual([]);
  });
});

describe('after_commit, on_schedule, on_plugin_event', () => {
  it('after_commit stores the last subject in kv last-commit', async () => {
    await probe.call('after_commit', JSON.stringify({ commit: {}, subject: `${SERVER}/notes/ü`, before: null, after: { [NAME]: 'x' }, signer: `${SERVER}/agents/a` }));
    expect(server.kv.get('last-commit')).toBe(`${SERVER}/notes/ü`);
    expect(server.calls).toEqual([
      { fn: 'kv_set', request: { key: 'last-commit', value: `${SERVER}/notes/ü` } },
      { fn: 'kv_set', request: { key: `seen ${SERVER}/notes/ü`, value: null } },
    ]);
  });

  it('after_commit of a commit named OUTSIDE commits on behalf of its signer and keeps the outcome', async () => {
    server.rawAnswers.set('commit', JSON.stringify(error('FORBIDDEN', 'not serving')));
    const event = { commit: { '@id': `${SERVER}/commits/x` }, subject: `${SERVER}/notes/1`, before: null, after: null, signer: `${SERVER}/agents/a` };
    await probe.call('after_commit', JSON.stringify({ ...event, commit: { ...event.commit, [SET]: { [NAME]: 'probe: act outside a request' } } }));
    expect(server.calls.find((c) => c.fn === 'commit')?.request).toEqual({ subject: `${SERVER}/notes/1`, set: { [DESCRIPTION]: 'from after_commit' }, on_behalf_of: `${SERVER}/agents/a` });
    expect(server.kv.get('outside-behalf')).toBe('FORBIDDEN');
  });

  it('a failing host call fails the hook with a plugin error, not a trap', async () => {
    server.rawAnswers.set('kv_set', JSON.stringify(error('PERMISSION_DENIED', 'no storage')));
    await expect(probe.call('after_commit', JSON.stringify({ commit: {}, subject: 's', before: null, after: null, signer: 'a' })))
      .rejects.toThrow('Plugin-originated error: kv_set failed: no storage');
    server.rawAnswers.clear();
    await probe.call('after_commit', JSON.stringify({ commit: {}, subject: 's2', before: null, after: null, signer: 'a' }));
    expect(server.kv.get('last-commit')).toBe('s2');
  });

  it('on_schedule counts ticks in kv', async () => {
    for (let i = 0; i < 3; i++) await probe.call('on_schedule', JSON.stringify({ schedule: 'tick', firedAt: Date.now() }));
    expect(server.kv.get('ticks')).toBe(3);
    expect(server.calls.slice(0, 2)).toEqual([
      { fn: 'kv_get', request: { key: 'ticks' } },
      { fn: 'kv_set', request: { key: 'ticks', value: 1 } },
    ]);
  });

  it('on_plugin_event stores the last event in kv', async () => {
    const ev = { type: 'installed', plugin: 'test/ünï', version: '1.0.0' };
    await probe.call('on_plugin_event', JSON.stringify(ev));
    expect(server.kv.get('last-event')).toEqual(ev);
  });
});

describe('on_resource_get', () => {
  it('adds the probe-seen property', async () => {
    const input = { subject: `${SERVER}/notes/1`, resource: server.resources.get(`${SERVER}/notes/1`)!, agent: null };
    expect(await callJson(probe, 'on_resource_get', input)).toEqual({ set: { [SEEN]: true } });
  });
});

describe('provided function greet', () => {
  it('greets', async () => {
    expect(await callJson(probe, 'greet', { name: 'wörld ✓ 😀' })).toEqual({ greeting: 'hello wörld ✓ 😀' });
    expect(await callJson(probe, 'greet', '')).toEqual({ greeting: 'hello ' });
  });
});

describe('Json (the SDK JSON type)', () => {
  let harness: Plugin;
  beforeEach(async () => {
    harness = await load(harnessWasm, new FakeServer());
  });
  const roundtrip = async (text: string) => (await harness.call('roundtrip', text))!.text();

  it('round-trips valid JSON like JSON.parse + JSON.stringify', async () => {
    const cases = [
      '{}', '[]', 'null', 'true', 'false', '0', '-0', '1', '-1', '1.5', '-2.25e-3', '1e21', '1E+2', '123456789012345',
      '1e-7', '3.141592653589793', '1.7976931348623157e308', '5e-324', '100', '1e2', '123.456', '2e308', '9007199254740993',
      '""', '"abc"', String.raw`"h\u00e9llo \"x\" \u2713 \ud83d\ude00 ✓ é"`, String.raw`"\b\f\n\r\t\/\\"`,
      String.raw`"\u0000\u001f\u007f"`, String.raw`"é\nü\"ñ\u00e9"`, '-123456789012345', '-1234567890123456', String.raw`"\ud800"`, String.raw`"\udc00x"`, '"😀 中文 ü"',
      '{"a":1,"b":[1,2,{"c":null}],"a":3}', '  { "x" : [ true , false , null ] , "y" : { } }  ', '{"k\\"ey":"v","é":"ü"}',
      JSON.stringify({ '@id': `${SERVER}/x`, [NAME]: 'n', [IS_A]: ['https://atomicdata.dev/classes/Class'] }),
      '['.repeat(200) + ']'.repeat(200),
    ];
    for (const c of cases) {
      const got = await roundtrip(c);
      // The same value; and the same text, except for numbers where AssemblyScript's dtoa (which
      // round-trips) is not the shortest.
      expect(JSON.stringify(JSON.parse(got)), c).toBe(JSON.stringify(JSON.parse(c)));
      if (!/\d\.\d{15}/.test(c)) expect(got, c).toBe(JSON.stringify(JSON.parse(c)));
    }
    expect(await roundtrip('0.30000000000000004')).toMatch(/^0\.3000000000000000\d$/);
    expect(Number(await roundtrip('0.30000000000000004'))).toBe(0.30000000000000004);
  });

  it('gives null (never a trap) for invalid JSON', async () => {
    const invalid = [
      '', ' ', '[1,]', '{"a":1,}', '{"a"}', '[01]', '[1.]', '[.5]', '[-]', '[1e]', '"abc', '"a\tb"', 'tru', 'nul', '[1 2]',
      '{"a":1 "b":2}', String.raw`"\x"`, String.raw`"\u12"`, String.raw`"\uZZZZ"`, '123abc', '[]]', '-01', '+1', 'NaN',
      '{1:2}', "{'a':1}", '['.repeat(300) + ']'.repeat(300),
    ];
    for (const c of invalid) expect(await roundtrip(c), c).toBe('INVALID');
  });

  it('reads past a value without building it, refusing exactly what parsing refuses', async () => {
    const skipped = async (text: string) => (await harness.call('skipped', text))!.text();
    const valid = ['{}', '[]', 'null', 'true', '-2.25e-3', '1E+2', '"h\\u00e9 \\"x\\" ✓"', String.raw`"\b\f\n\r\t\/\\"`, ' { "x" : [ true , false , null ] , "y" : { } } ', '{"k\\"ey":"v","é":["ü",{"z":[]}]}', '['.repeat(200) + ']'.repeat(200)];
    for (const c of valid) expect(await skipped(c), c).toBe(JSON.stringify(JSON.parse(c)));
    const invalid = ['', '[1,]', '{"a":1,}', '{"a"}', '[01]', '[1.]', '[-]', '[1e]', '"abc', '"a\tb"', 'tru', '[1 2]', String.raw`"\x"`, String.raw`"\u12"`, '123abc', '[]]', '-01', '+1', '{1:2}', '1}', '['.repeat(300) + ']'.repeat(300)];
    for (const c of invalid) expect(await skipped(c), c).toBe('INVALID');
  });

  it('builds, reads and edits values', async () => {
    const out = await callJson(harness, 'build', '');
    expect(out.value).toEqual({ a: 7, b: 'x\u0001"y" é ✓', d: -2.5, e: ['p', 'q'], f: [1, null, 's'], g: 9007199254740991, h: null, lone: 'a\ud800b' });
    expect(out.read).toEqual({ keys: ['a', 'b', 'd', 'e', 'f', 'g', 'h', 'lone'], b: 'x\u0001"y" é ✓', fLength: 3, missing: 'fallback', hasC: false, a: 7, eStrings: ['p', 'q'] });
  });

  it('reads a commit event, its states when first asked for, as a tree parse would', async () => {
    const event = {
      signer: `${SERVER}/agents/a`,
      before: { [NAME]: 'old "quoted" ✓', [IS_A]: ['https://atomicdata.dev/classes/Class'], n: 1.5 },
      commit: { [SET]: { [NAME]: 'new' } },
      ignored: { deep: [[{}]] },
      after: { [NAME]: 'new', nested: { list: [null, true, 'x'] } },
      subject: `${SERVER}/notes/ü`,
    };
    expect(await callJson(harness, 'commit_event', JSON.stringify(event))).toEqual({ commit: event.commit, subject: event.subject, signer: event.signer, before: event.before, after: event.after });
    // States that are not objects read as null; repeated names, the last one; text that is not an object, an empty event.
    expect(await callJson(harness, 'commit_event', '{"before": [1], "after": null, "subject": "s", "subject": "t", "commit": "x"}')).toEqual({ commit: {}, subject: 't', signer: '', before: null, after: null });
    expect(await callJson(harness, 'commit_event', '{"before": {"a": [1,}, "subject": "s"}')).toEqual({ commit: {}, subject: '', signer: '', before: null, after: null });
  });

  it('reports kinds', async () => {
    expect(await callJson(harness, 'kinds', '[null, true, 1, "s", [], {}]')).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('parses host answer envelopes', async () => {
    const env = (text: string) => callJson(harness, 'envelope', text);
    expect(await env('{"ok": {"a": [1]}}')).toEqual({ ok: true, code: '', message: '', value: { a: [1] } });
    expect(await env('{"ok": null}')).toEqual({ ok: true, code: '', message: '', value: null });
    expect(await env('{"error": {"code": "NOT_FOUND", "message": "gone ✓"}}')).toEqual({ ok: false, code: 'NOT_FOUND', message: 'gone ✓', value: null });
    expect(await env('{"error": "weird"}')).toMatchObject({ ok: false, code: 'INVALID_RESPONSE', message: '"weird"' });
    expect(await env('{}')).toMatchObject({ ok: false, code: 'INVALID_RESPONSE' });
    expect(await env('nope')).toMatchObject({ ok: false, code: 'INVALID_RESPONSE' });
  });

  it('the abort handler logs the message through Extism and traps', async () => {
    aborts.length = 0;
    await expect(harness.call('boom', '')).rejects.toThrow(/unreachable/);
    expect(aborts.join('\n')).toContain('abort: kaboom ✓ at harness.ts:');
  });
});
