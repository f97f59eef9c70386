// The host functions a plugin uses to act for the people it serves (docs/plugins/abi.md): commit
// on behalf of the requester, commit_batch, can and query (include_resources, cursor). The probe
// plugin (fixtures/plugins/probe) exposes each through an endpoint; the same cases run against
// every runtime, with a second probe in another namespace as "another plugin" whose
// before/after-commit hooks must see the first one's commits.

import { Agent, Store } from '@tomic/lib';
import { WebSocket as WsWebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentIdentity } from '../server/atomic/agent.js';
import { signRequestHeaders } from '../server/atomic/auth.js';
import { localProps, props, publicAgent } from '../server/atomic/urls.js';
import { createResource, getAs, ownerOf, postCommit, readResult, registerAgent, uniqueSubject, type HttpResult } from './support/commits.js';
import { fixturePackage, runtimeFixtures } from './support/fixtures.js';
import { startHostProcess, type HostProcess } from './support/host-process.js';
import { installPlugin, uploadPackage } from './support/plugins.js';

// Node 20 has no global WebSocket; @tomic/lib looks for one.
globalThis.WebSocket ??= WsWebSocket as unknown as typeof globalThis.WebSocket;

const ALL = ['read', 'write', 'storage', 'network', 'call-plugins', 'monitor'];
const OUTSIDE = 'probe: act outside a request';

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(value)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(runtimeFixtures.map((f) => [f.kind, f] as const))('host functions for acting on behalf of requesters (%s)', (_kind, fixtures) => {
  let host: HostProcess;
  let owner: AgentIdentity;
  let reader: AgentIdentity;
  let writer: AgentIdentity;
  let pluginAgent: string;
  /** A folder the plugin's agent, the writer and the owner may write; the reader may only read. */
  let folder: string;
  const endpoint = (path: string, namespace = 'test') => `${host.url}/plugins/${namespace}/probe/${path}`;
  const local = () => localProps(host.url);

  /** Calls a probe endpoint with a JSON body, signed as `agent` unless it is undefined (anonymous). */
  async function call(path: string, body: unknown, agent?: AgentIdentity, method = 'POST'): Promise<HttpResult> {
    const url = endpoint(path);
    const headers = { 'content-type': 'application/json', ...(agent ? signRequestHeaders(url, agent) : {}) };
    return readResult(await fetch(url, { method, headers, ...(method === 'GET' ? {} : { body: JSON.stringify(body) }) }));
  }
  const kv = async (key: string, namespace = 'test'): Promise<unknown> =>
    ((await (await fetch(`${endpoint('kv', namespace)}?key=${encodeURIComponent(key)}`)).json()) as { value?: unknown }).value ?? null;
  const exists = async (subject: string): Promise<boolean> => (await getAs(subject, owner)).status === 200;
  let made = 0;
  const child = (parent: string, name: string) => ({ subject: `${parent}/${name}-${Date.now().toString(36)}-${++made}`, set: { [props.parent]: parent, [props.name]: name } });

  beforeAll(async () => {
    host = await startHostProcess();
    owner = ownerOf(host);
    const zip = await fixturePackage(fixtures, 'probe', owner);
    const packageUrl = await uploadPackage(host.url, zip, owner);
    expect((await installPlugin(host.url, owner, `${host.url}/installed/probe`, packageUrl, { granted: ALL })).status).toBe(200);
    // Another plugin: the same probe in another namespace, whose before-commit hook refuses the name "forbidden".
    const guard = await uploadPackage(host.url, await fixturePackage(fixtures, 'probe', owner, { manifestChanges: { namespace: 'guard' } }), owner);
    expect((await installPlugin(host.url, owner, `${host.url}/installed/guard`, guard, { granted: ALL })).status).toBe(200);
    pluginAgent = ((await (await fetch(endpoint('agent'))).json()) as { subject: string }).subject;
    reader = await registerAgent(host.url, 'Reader');
    writer = await registerAgent(host.url, 'Writer');
    folder = uniqueSubject(host.url, 'folder');
    await createResource(host.url, owner, folder, { [props.name]: 'Folder', [props.read]: [reader.subject], [props.write]: [pluginAgent, writer.subject, owner.subject] });
  }, 240_000);
  afterAll(() => host.dispose());

  describe('commit on_behalf_of', () => {
    it('writes what both the requester and the plugin may write, recording the requester in the signed commit', async () => {
      const change = child(folder, 'by-writer');
      const made = await call('behalf', change, writer);
      expect(made.status, made.text).toBe(200);
      const commit = await getAs(String(made.body?.commit), owner);
      expect(commit.body?.[local().onBehalfOf]).toBe(writer.subject);
      expect(commit.body?.[props.commit.signer]).toBe(pluginAgent);
      expect((await getAs(change.subject, owner)).body?.[props.name]).toBe('by-writer');
    });

    it('refuses what the requester may not write (FORBIDDEN), and stores nothing', async () => {
      const change = child(folder, 'by-reader');
      const refused = await call('behalf', change, reader);
      expect(refused.status).toBe(403);
      expect(refused.body?.error).toMatchObject({ code: 'FORBIDDEN' });
      expect(String((refused.body?.error as { message: string }).message)).toContain(reader.subject);
      expect(await exists(change.subject)).toBe(false);
    });

    it('still needs the plugin\'s own rights: acting for the owner does not widen them', async () => {
      const change = child(host.url, 'under-drive');
      const refused = await call('behalf', change, owner);
      expect(refused.status).toBe(403);
      expect(String((refused.body?.error as { message: string }).message)).toContain(pluginAgent);
      expect(await exists(change.subject)).toBe(false);
    });

    it('is refused for an anonymous requester, for an agent whose request it is not serving, and outside a request', async () => {
      const anonymous = await call('behalf', child(folder, 'anonymous'));
      expect(anonymous.status).toBe(401);
      expect(anonymous.body?.error).toMatchObject({ code: 'UNAUTHORIZED' });
      const other = await fetch(`${endpoint('behalf')}?as=${encodeURIComponent(writer.subject)}`, {
        method: 'POST',
        body: JSON.stringify(child(folder, 'as-another')),
        headers: signRequestHeaders(`${endpoint('behalf')}?as=${encodeURIComponent(writer.subject)}`, reader),
      });
      expect(other.status).toBe(403);
      expect(((await other.json()) as { error: { message: string } }).error.message).toContain('not serving a request');
      // The probe's after-commit hook tries to commit on behalf of the signer of a commit it sees.
      await createResource(host.url, owner, uniqueSubject(host.url, 'outside'), { [props.parent]: folder, [props.name]: OUTSIDE });
      await eventually(() => kv('outside-behalf'), (v) => v !== null, 'the after-commit attempt');
      expect(await kv('outside-behalf')).toBe('FORBIDDEN');
    });

    it('cannot be claimed by a commit posted to /commit', async () => {
      const subject = uniqueSubject(host.url, 'forged');
      const forged = await postCommit(host.url, { subject, set: { [props.parent]: folder }, onBehalfOf: { property: local().onBehalfOf, agent: writer.subject } }, owner);
      expect(forged.status).toBe(403);
      expect(await exists(subject)).toBe(false);
    });

    it('runs the other plugins\' before- and after-commit hooks', async () => {
      const refused = await call('behalf', { ...child(folder, 'x'), set: { [props.parent]: folder, [props.name]: 'forbidden' } }, writer);
      expect(refused.status).toBe(403);
      expect(refused.body?.error).toMatchObject({ code: 'PLUGIN_REJECTED' });
      const change = child(folder, 'seen');
      const made = await call('behalf', change, writer);
      await eventually(() => kv(`seen ${change.subject}`, 'guard'), (v) => v === made.body?.commit, 'the other plugin\'s after-commit hook');
    });

    it('gives @tomic/lib commits it reads, resolves the on-behalf-of property of, and sees arrive over WebSocket', async () => {
      const store = new Store({ serverUrl: host.url, agent: Agent.fromSecret(host.secret) });
      await store.preloadPropsAndClasses();
      try {
        const change = child(folder, 'watched');
        expect((await call('behalf', change, writer)).status).toBe(200);
        const seen: string[] = [];
        const watched = await store.getResource(change.subject);
        expect(watched.get(props.name)).toBe('watched');
        const unsubscribe = store.subscribe(change.subject, (r) => seen.push(String(r.get(props.name))));
        await eventually(async () => store.getDefaultWebSocket()?.readyState, (s) => s === 1, 'the WebSocket');
        await new Promise((r) => setTimeout(r, 100));
        expect((await call('behalf', { subject: change.subject, set: { [props.name]: 'renamed' } }, writer)).status).toBe(200);
        await eventually(async () => seen, (s) => s.includes('renamed'), 'the commit over WebSocket');
        unsubscribe();

        const lastCommit = String((await store.fetchResourceFromServer(change.subject)).get(props.lastCommit));
        const commit = await store.fetchResourceFromServer(lastCommit);
        expect(commit.error).toBeUndefined();
        expect(commit.get(local().onBehalfOf)).toBe(writer.subject);
        const property = await store.getProperty(local().onBehalfOf);
        expect(property.shortname).toBe('on-behalf-of');
        expect(property.datatype).toBe('https://atomicdata.dev/datatypes/atomicURL');
        const history = await watched.getHistory();
        expect(history.map((v) => v.resource.get(props.name))).toEqual(['watched', 'renamed']);
      } finally {
        store.getDefaultWebSocket()?.close();
      }
    });
  });

  describe('commit_batch', () => {
    it('applies commits in order, a later one building on an earlier one, and the other plugins see each', async () => {
      const parent = child(folder, 'parent');
      const kid = child(parent.subject, 'kid');
      const done = await call('batch', { commits: [parent, kid] });
      expect(done.status, done.text).toBe(200);
      const subjects = done.body?.commits as string[];
      expect(subjects).toHaveLength(2);
      expect((await getAs(kid.subject, owner)).body?.[props.parent]).toBe(parent.subject);
      await eventually(() => kv(`seen ${parent.subject}`, 'guard'), (v) => v === subjects[0], 'the first after-commit event');
      await eventually(() => kv(`seen ${kid.subject}`, 'guard'), (v) => v === subjects[1], 'the second after-commit event');
    });

    it('writes nothing when a later commit lacks the rights, and says which', async () => {
      const first = child(folder, 'first');
      const second = child(host.url, 'not-allowed');
      const refused = await call('batch', { commits: [first, second] });
      expect(refused.status).toBe(403);
      expect(refused.body?.error).toMatchObject({ code: 'FORBIDDEN', index: 1, subject: second.subject });
      expect(await exists(first.subject)).toBe(false);
    });

    it('writes nothing when another plugin\'s before-commit hook refuses a later commit', async () => {
      const first = child(folder, 'fine');
      const second = { ...child(folder, 'refused'), set: { [props.parent]: folder, [props.name]: 'forbidden' } };
      const refused = await call('batch', { commits: [first, second] });
      expect(refused.status).toBe(403);
      expect(refused.body?.error).toMatchObject({ code: 'PLUGIN_REJECTED', index: 1, subject: second.subject });
      expect(await exists(first.subject)).toBe(false);
    });

    it('checks the requester\'s rights on behalf of them', async () => {
      const refused = await call('batch', { commits: [child(folder, 'a'), child(folder, 'b')], behalf: true }, reader);
      expect(refused.body?.error).toMatchObject({ code: 'FORBIDDEN', index: 0 });
      const made = await call('batch', { commits: [child(folder, 'c')], behalf: true }, writer);
      expect(made.status, made.text).toBe(200);
      expect((await getAs((made.body?.commits as string[])[0]!, owner)).body?.[local().onBehalfOf]).toBe(writer.subject);
    });
  });

  describe('can', () => {
    it('answers which subjects an agent or anonymous has a right on, never ones the plugin may not read', async () => {
      const open = uniqueSubject(host.url, 'open');
      await createResource(host.url, owner, open, { [props.parent]: folder, [props.read]: [publicAgent] });
      const closed = uniqueSubject(host.url, 'closed');
      await createResource(host.url, owner, closed, { [props.parent]: folder });
      const missing = `${host.url}/missing`;
      const subjects = [open, closed, missing, host.url];
      const can = async (agent: string | null, right: string) => ((await call('can', { agent, right, subjects })).body?.allowed as string[]) ?? [];
      expect(await can(null, 'read')).toEqual([open]);
      expect(await can(reader.subject, 'read')).toEqual([open, closed]);
      expect(await can(reader.subject, 'write')).toEqual([]);
      expect(await can(writer.subject, 'write')).toEqual([open, closed]);
      // The owner may read the drive, but the plugin's agent may not: it learns nothing of it.
      expect(await can(owner.subject, 'read')).toEqual([open, closed]);
      // Asked about the requester it serves, it answers by the requester's rights alone.
      const asked = await call('can', { agent: owner.subject, right: 'read', subjects }, owner);
      expect(asked.body?.allowed).toEqual([open, closed, host.url]);
      const other = await call('can', { agent: owner.subject, right: 'read', subjects }, reader);
      expect(other.body?.allowed).toEqual([open, closed]);
    });
  });

  describe('query', () => {
    it('answers the members\' resources with include_resources, and lists every readable resource without a property', async () => {
      const page = (await call(`query?property=${encodeURIComponent(props.parent)}&value=${encodeURIComponent(folder)}&include=1&page_size=1000`, undefined, undefined, 'GET')).body as {
        members: string[];
        resources: { '@id': string }[];
      };
      expect(page.members.length).toBeGreaterThan(3);
      expect(page.resources.map((r) => r['@id'])).toEqual(page.members);
      expect(page.resources.every((r) => (r as Record<string, unknown>)[props.parent] === folder)).toBe(true);
      const all = (await call('query?page_size=1000', undefined, undefined, 'GET')).body as { members: string[]; total: number };
      expect(all.members).toContain(folder);
      expect(all.members).toContain(page.members[0]);
      expect(all.members).not.toContain(host.url);
      expect(all.members.every((m) => m.startsWith(`${host.url}/`))).toBe(true);
    });

    it('pages through the matches of a property and value by cursor, in subject order', async () => {
      const matching = `query?property=${encodeURIComponent(props.parent)}&value=${encodeURIComponent(folder)}`;
      const all = ((await call(`${matching}&page_size=1000`, undefined, undefined, 'GET')).body as { members: string[] }).members;
      expect(all.length).toBeGreaterThan(3);
      const paged: string[] = [];
      let after = '';
      for (let pages = 0; pages <= all.length; pages++) {
        const page = (await call(`${matching}&page_size=2&after=${encodeURIComponent(after)}&include=1`, undefined, undefined, 'GET')).body as {
          members: string[];
          total: number;
          resources: { '@id': string }[];
          next: string | null;
        };
        expect(page.total).toBe(-1);
        expect(page.resources.map((r) => r['@id'])).toEqual(page.members);
        paged.push(...page.members);
        if (page.next === null) break;
        expect(page.next).toBe(page.members.at(-1));
        after = page.next;
      }
      expect(paged).toEqual([...all].sort());
    });
  });

  describe('host_stats', () => {
    type Figures = { subject: string; plugin: string; version: string; status: string; error: string | null; calls: number; failures: number; timeouts: number; restarts: number; latencyMs: { p50: number | null; p95: number | null; p99: number | null }; memoryBytes: number; lastError: string | null };
    type Stats = { host: { uptime: { processSeconds: number; systemSeconds: number }; memory: { rssBytes: number; systemTotalBytes: number; systemFreeBytes: number }; cpu: { processPercent: number; systemPercent: number; cores: number; loadAverage: number[]; intervalMs: number }; disk: { path: string; totalBytes: number; freeBytes: number; availableBytes: number } }; plugins: Figures[] };
    const stats = async (): Promise<Stats> => (await call('stats', undefined, undefined, 'GET')).body as unknown as Stats;

    it('answers the host\'s memory, CPU, disk and uptime', async () => {
      const { host: figures } = await stats();
      expect(figures.uptime.processSeconds).toBeGreaterThanOrEqual(0);
      expect(figures.uptime.systemSeconds).toBeGreaterThan(0);
      expect(figures.memory.rssBytes).toBeGreaterThan(1 << 20);
      expect(figures.memory.systemTotalBytes).toBeGreaterThan(figures.memory.systemFreeBytes);
      expect(figures.cpu.cores).toBeGreaterThan(0);
      expect(figures.cpu.loadAverage).toHaveLength(3);
      expect(figures.cpu.processPercent).toBeGreaterThanOrEqual(0);
      expect(figures.disk.path).toBe(host.dataDir);
      expect(figures.disk.totalBytes).toBeGreaterThanOrEqual(figures.disk.freeBytes);
      expect(figures.disk.freeBytes).toBeGreaterThan(0);
    });

    it('answers every installed plugin\'s status and figures, which follow its calls', async () => {
      const first = await stats();
      const probe = first.plugins.find((p) => p.subject === `${host.url}/installed/probe`)!;
      expect(probe).toMatchObject({ plugin: 'test/probe', version: '0.1.0', status: 'active', error: null });
      expect(first.plugins.find((p) => p.subject === `${host.url}/installed/guard`)).toMatchObject({ plugin: 'guard/probe', status: 'active' });
      for (let i = 0; i < 5; i++) await fetch(endpoint('utf8'));
      const later = (await stats()).plugins.find((p) => p.subject === probe.subject)!;
      // The five requests and the first stats call itself.
      expect(later.calls).toBeGreaterThanOrEqual(probe.calls + 6);
      expect(later.latencyMs.p50).toBeGreaterThan(0);
      expect(later.latencyMs.p95!).toBeGreaterThanOrEqual(later.latencyMs.p50!);
      expect(later.latencyMs.p99!).toBeGreaterThanOrEqual(later.latencyMs.p95!);
      expect(later.memoryBytes).toBeGreaterThan(0);
    });

    it('lists a plugin that is switched off as disabled', async () => {
      const guard = `${host.url}/installed/guard`;
      expect((await postCommit(host.url, { subject: guard, set: { [local().pluginEnabled]: false } }, owner)).status).toBe(200);
      try {
        expect((await stats()).plugins.find((p) => p.subject === guard)).toMatchObject({ plugin: 'guard/probe', version: '0.1.0', status: 'disabled', calls: 0 });
      } finally {
        expect((await postCommit(host.url, { subject: guard, set: { [local().pluginEnabled]: true } }, owner)).status).toBe(200);
      }
    });
  });
});
