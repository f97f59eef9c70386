// The TypeScript SDK against plugin ABI v1 (docs/plugins/abi.md): the js probe plugin
// (fixtures/plugins/probe/js) bundled with the real esbuild and run in the real js runtime, with
// host functions that are in-memory stand-ins for the server speaking the ABI envelope exactly
// (as sdk/assemblyscript/sdk.test.ts does). What the server does with the requests is tested
// end to end in test/plugins.test.ts; this checks what the SDK sends and how it reads answers.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePlugin } from '../../cli/lib/esbuild.js';
import { allowedHostFunctionsFor } from '../../server/plugins/permissions.js';
import { createJsRuntime } from '../../server/plugins/runtimes/js/index.js';
import type { HostFunction, PluginInstance } from '../../server/plugins/runtimes/runtime.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const encode = (value: unknown): Uint8Array => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const decode = (bytes: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(bytes));

/** What the stand-in host functions were asked, by function. */
const requests: Record<string, unknown[]> = {};
/** The next raw answer of a host function, if a test sets one. */
const answers: Record<string, string> = {};

function hostFunction(name: string, ok: (request: Record<string, unknown>) => unknown): HostFunction {
  return async (input) => {
    const request = JSON.parse(new TextDecoder().decode(input)) as Record<string, unknown>;
    (requests[name] ??= []).push(request);
    const raw = answers[name];
    delete answers[name];
    return encode(raw ?? { ok: ok(request) });
  };
}

let plugin: PluginInstance;

beforeAll(async () => {
  const { script } = await bundlePlugin(join(root, 'fixtures/plugins/probe/js'), 'index.ts');
  const runtime = createJsRuntime({ spareWorker: false });
  const all = ['read', 'write', 'storage', 'network', 'call-plugins', 'monitor'];
  const prepared = await runtime.prepare!(script, { memoryMb: 16, allowedHostFunctions: allowedHostFunctionsFor(all) });
  plugin = await runtime.instantiate(prepared, {
    limits: { timeoutMs: 2_000, fuel: null, memoryMb: 16 },
    hostFunctions: {
      get_resource: hostFunction('get_resource', (r) => ({ '@id': r.subject, 'https://atomicdata.dev/properties/name': 'Ada' })),
      query: hostFunction('query', () => ({ members: ['https://x/1', 'https://x/2'], total: 7 })),
      commit: hostFunction('commit', () => ({ commit: 'https://x/commits/abc' })),
      commit_batch: hostFunction('commit_batch', (r) => ({ commits: (r.commits as unknown[]).map((_, i) => `https://x/commits/${i}`) })),
      can: hostFunction('can', (r) => ({ allowed: (r.subjects as string[]).slice(0, 1) })),
      get_config: hostFunction('get_config', () => ({ greeting: 'hi' })),
      get_plugin_agent: hostFunction('get_plugin_agent', () => ({ subject: 'https://x/agents/p', publicKey: 'pk' })),
      kv_get: hostFunction('kv_get', () => null),
      kv_set: hostFunction('kv_set', () => true),
      kv_delete: hostFunction('kv_delete', () => true),
      log: hostFunction('log', () => true),
      http_request: hostFunction('http_request', () => ({ status: 201, headers: { 'x-a': 'b' }, body: 'made' })),
      call_plugin: hostFunction('call_plugin', (r) => ({ echoed: r.input })),
      host_stats: hostFunction('host_stats', () => ({ host: { uptime: { processSeconds: 1, systemSeconds: 2 } }, plugins: [] })),
    },
  });
}, 60_000);

afterAll(() => plugin?.close());

/** Calls handle_request with a request for `route` under the probe's prefix. */
async function request(route: string, init: { method?: string; query?: Record<string, string>; body?: string; headers?: Record<string, string>; agent?: string } = {}) {
  const answer = (await decode(await plugin.call('handle_request', encode({
    method: init.method ?? 'GET',
    path: `/plugins/test/probe${route}`,
    query: init.query ?? {},
    headers: init.headers ?? {},
    body: init.body ?? '',
    agent: init.agent ?? null,
  })))) as { status: number; headers: Record<string, string>; body: string };
  return { ...answer, json: (): unknown => JSON.parse(answer.body) };
}

describe('the js SDK', () => {
  it('reads requests (route, query, headers, body) and writes responses', async () => {
    const echo = await request('/echo', { method: 'POST', body: 'héllo ✓', headers: { 'Content-Type': 'text/x-test' } });
    expect(echo).toMatchObject({ status: 200, headers: { 'content-type': 'text/x-test' }, body: 'héllo ✓' });
    expect((await request('/nowhere')).json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no route /nowhere' } });
  });

  it('sends each host function the request the ABI describes, and reads its answer', async () => {
    expect((await request('/resource', { query: { subject: 'https://x/r' } })).json()).toEqual({ '@id': 'https://x/r', 'https://atomicdata.dev/properties/name': 'Ada' });
    expect((await request('/query', { query: { property: 'https://p', value: 'v' } })).json()).toEqual({ members: ['https://x/1', 'https://x/2'], total: 7 });
    expect(requests.query?.at(-1)).toEqual({ property: 'https://p', value: 'v' });
    const committed = await request('/commit', { method: 'POST', body: JSON.stringify({ subject: 'https://x/r', set: { 'https://p': 1 } }) });
    expect(committed.json()).toEqual({ commit: 'https://x/commits/abc' });
    expect(requests.commit?.at(-1)).toEqual({ subject: 'https://x/r', set: { 'https://p': 1 } });
    expect((await request('/kv/colour', { method: 'PUT', body: '"blue"' })).status).toBe(200);
    expect(requests.kv_set?.at(-1)).toEqual({ key: 'colour', value: 'blue' });
    expect((await request('/http', { query: { url: 'http://127.0.0.1/' } })).json()).toEqual({ status: 201, headers: { 'x-a': 'b' }, body: 'made' });
    expect(requests.http_request?.at(-1)).toEqual({ method: 'GET', url: 'http://127.0.0.1/', headers: {} });
    expect((await request('/call', { method: 'POST', query: { plugin: 'a/b@^1', fn: 'greet' }, body: '{"name":"Ada"}' })).json()).toEqual({ echoed: { name: 'Ada' } });
    expect(requests.call_plugin?.at(-1)).toEqual({ plugin: 'a/b@^1', function: 'greet', input: { name: 'Ada' } });
    expect((await request('/stats')).json()).toEqual({ host: { uptime: { processSeconds: 1, systemSeconds: 2 } }, plugins: [] });
    expect(requests.host_stats?.at(-1)).toEqual({});
  });

  it('sends commits on behalf of the requester, batches, can and query with include_resources', async () => {
    const agent = 'https://x/agents/requester';
    const change = { subject: 'https://x/r', set: { 'https://p': 1 } };
    expect((await request('/behalf', { method: 'POST', body: JSON.stringify(change), agent })).status).toBe(200);
    expect(requests.commit?.at(-1)).toEqual({ ...change, on_behalf_of: agent });
    await request('/behalf', { method: 'POST', body: JSON.stringify(change) });
    expect(requests.commit?.at(-1)).toEqual({ ...change, on_behalf_of: null });
    expect((await request('/batch', { method: 'POST', body: JSON.stringify({ commits: [change, change], behalf: true }), agent })).json()).toEqual({ commits: ['https://x/commits/0', 'https://x/commits/1'] });
    expect(requests.commit_batch?.at(-1)).toEqual({ commits: [change, change], on_behalf_of: agent });
    answers.commit_batch = JSON.stringify({ error: { code: 'FORBIDDEN', message: 'no', index: 1, subject: 'https://x/r' } });
    expect((await request('/batch', { method: 'POST', body: JSON.stringify({ commits: [change, change] }) })).json()).toEqual({ error: { code: 'FORBIDDEN', message: 'no', index: 1, subject: 'https://x/r' } });
    expect(requests.commit_batch?.at(-1)).toEqual({ commits: [change, change] });
    expect((await request('/can', { method: 'POST', body: JSON.stringify({ agent: null, right: 'write', subjects: ['https://x/a', 'https://x/b'] }) })).json()).toEqual({ allowed: ['https://x/a'] });
    expect(requests.can?.at(-1)).toEqual({ agent: null, right: 'write', subjects: ['https://x/a', 'https://x/b'] });
    answers.query = JSON.stringify({ ok: { members: ['https://x/1'], total: 1, resources: [{ '@id': 'https://x/1', 'https://p': 2 }] } });
    expect((await request('/query', { query: { include: '1' } })).json()).toEqual({ members: ['https://x/1'], total: 1, resources: [{ '@id': 'https://x/1', 'https://p': 2 }] });
    expect(requests.query?.at(-1)).toEqual({ include_resources: true });
  });

  it('turns error envelopes and answers that are no envelope into error results, never exceptions', async () => {
    answers.get_resource = JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no such resource' } });
    const missing = await request('/resource', { query: { subject: 'https://x/none' } });
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no such resource' } });
    for (const raw of ['not json', '[1]', '{}', '{"ok":{"no":"members"}}']) {
      answers.query = raw;
      const answer = await request('/query', { query: { property: 'https://p' } });
      expect(answer.status, raw).toBe(502);
      expect((answer.json() as { error: { code: string } }).error.code, raw).toBe('INVALID_RESPONSE');
    }
  });

  it('answers the commit hooks, on_resource_get and provided functions', async () => {
    const event = (name: string) => encode({ commit: { 'https://atomicdata.dev/properties/set': { 'https://atomicdata.dev/properties/name': name } }, subject: 'https://x/r', before: null, after: {}, signer: 'https://x/agents/a' });
    expect(decode(await plugin.call('before_commit', event('forbidden')))).toEqual({ allow: false, reason: 'names may not be forbidden' });
    expect(decode(await plugin.call('before_commit', event('fine')))).toEqual({ allow: true });
    expect(decode(await plugin.call('on_resource_get', encode({ subject: 'https://x/r', resource: {}, agent: null })))).toEqual({ set: { 'https://example.com/probe/seen': true } });
    expect(decode(await plugin.call('greet', encode({ name: 'Ada' })))).toEqual({ greeting: 'hello Ada' });
    await plugin.call('after_commit', event('x'));
    expect(requests.kv_set?.slice(-2)).toEqual([
      { key: 'last-commit', value: 'https://x/r' },
      { key: 'seen https://x/r', value: null },
    ]);
    answers.kv_set = JSON.stringify({ error: { code: 'TOO_LARGE', message: 'full' } });
    await expect(plugin.call('after_commit', event('x'))).rejects.toMatchObject({ code: 'TRAP', message: expect.stringContaining('kv_set failed: full') });
  });
});
