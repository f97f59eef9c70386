// A hostile plugin against one real `atomic-plugin serve`: fixtures/plugins/hostile (built with the
// real asc against the AssemblyScript SDK, packaged, signed, uploaded and installed with a signed
// commit, next to the probe plugin) misbehaves on request. Each misbehaviour must fail only that
// call, with a JSON-AD error (502 PLUGIN_FAILED or 504 PLUGIN_TIMEOUT, never a 500 or a hang), and
// right after it the hostile plugin, the probe plugin and the server must all keep working.
// How long each failure took to be answered is printed at the end.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgentIdentity } from '../server/atomic/agent.js';
import { classes, localProps, props } from '../server/atomic/urls.js';
import { createResource, getAs, ownerOf, postCommit, readResult, uniqueSubject, type HttpResult } from './support/commits.js';
import { startHostProcess, type HostProcess } from './support/host-process.js';
import { fixturePackage, runtimeFixtures } from './support/fixtures.js';
import { installPlugin, uploadPackage } from './support/plugins.js';

/** The hostile plugin's `limits.timeoutMs` (fixtures/plugins/hostile/plugin.json). */
const TIMEOUT_MS = 500;
/** What a failure may take on top of the plugin's deadline on a loaded 2-core box. */
const MARGIN_MS = 1500;
/** No failure may take longer than this to be answered. */
const BOUND_MS = TIMEOUT_MS + MARGIN_MS;

const PROBE_GRANTS = ['read', 'write', 'storage', 'network', 'call-plugins', 'monitor'];
const HOSTILE_GRANTS = ['read', 'write', 'storage', 'network'];
const HOSTILE_SEEN = 'https://example.com/hostile/seen';
const PROBE_SEEN = 'https://example.com/probe/seen';

interface Timed extends HttpResult {
  ms: number;
}

interface Timing {
  what: string;
  status: number;
  code: string;
  ms: number;
}

const timings: Timing[] = [];

async function timed(what: string, request: () => Promise<Response | HttpResult>): Promise<Timed> {
  const start = performance.now();
  const response = await request();
  let result: HttpResult;
  if (response instanceof Response) {
    result = await readResult(response);
  } else {
    result = response;
  }
  const ms = Math.round(performance.now() - start);
  const isError = Array.isArray(result.body?.[props.isA]) && (result.body[props.isA] as unknown[]).includes(classes.error);
  const code = isError ? String(result.body?.[props.name]) : '';
  timings.push({ what, status: result.status, code, ms });
  return { ...result, ms };
}

/** Asserts a JSON-AD Error resource with `code`. */
function expectAtomicError(result: HttpResult, status: number, code: string): void {
  expect(result.status, result.text).toBe(status);
  expect(result.headers.get('content-type')).toMatch(/^application\/ad\+json/);
  expect(result.body?.[props.isA]).toEqual([classes.error]);
  expect(result.body?.[props.name]).toBe(code);
  expect(typeof result.body?.[props.description]).toBe('string');
}

describe.each(runtimeFixtures.map((fixtures) => [fixtures.kind, fixtures] as const))('a hostile %s plugin next to the probe plugin, in one host process', (_kind, fixtures) => {
  /** Skips a shared case that cannot apply to this runtime (RuntimeFixtures.notApplicable). */
  const applies = (name: string): boolean => fixtures.notApplicable?.[name] === undefined;
  let host: HostProcess;
  let owner: AgentIdentity;
  let hostileUrl: string;
  let probeInstallation: string;
  let hostileInstallation: string;
  let network: Server;
  let networkUrl: string;
  const networkHits: string[] = [];

  const hostile = (path: string): string => `${host.url}/plugins/test/hostile/${path}`;
  const probe = (path: string): string => `${host.url}/plugins/test/probe/${path}`;

  /** The hostile plugin, the probe plugin and the server all answer as they should. */
  async function expectHealthy(after: string): Promise<void> {
    const ok = await timed(`  /ok after ${after}`, () => fetch(hostile('ok')));
    expect(ok.status, `/ok after ${after}: ${ok.text}`).toBe(200);
    expect(ok.text).toBe('ok');
    const utf8 = await fetch(probe('utf8'));
    expect(utf8.status).toBe(200);
    expect(await utf8.text()).toBe('héllo wörld ✓');
    const subject = uniqueSubject(host.url, 'healthy');
    const committed = await postCommit(host.url, { subject, set: { [props.parent]: host.url, [props.name]: `after ${after}` } }, owner);
    expect(committed.status, committed.text).toBe(200);
    const served = await getAs(subject, owner);
    expect(served.status, served.text).toBe(200);
    expect(served.body?.[props.name]).toBe(`after ${after}`);
    expect(served.body?.[HOSTILE_SEEN]).toBe(true);
    expect(served.body?.[PROBE_SEEN]).toBe(true);
    expect(host.child.exitCode).toBeNull();
  }

  beforeAll(async () => {
    network = createServer((req, res) => {
      networkHits.push(req.url ?? '');
      if (req.url === '/redirect') {
        res.writeHead(302, { location: `http://localhost:${(network.address() as AddressInfo).port}/redirected` });
        res.end();
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('local answer');
      }
    });
    await new Promise<void>((resolve) => network.listen(0, '127.0.0.1', resolve));
    networkUrl = `http://127.0.0.1:${(network.address() as AddressInfo).port}`;

    host = await startHostProcess();
    owner = ownerOf(host);
    const [probeZip, hostileZip] = await Promise.all([fixturePackage(fixtures, 'probe', owner), fixturePackage(fixtures, 'hostile', owner)]);
    const probeUrl = await uploadPackage(host.url, probeZip, owner);
    hostileUrl = await uploadPackage(host.url, hostileZip, owner);
    probeInstallation = `${host.url}/installed/probe`;
    hostileInstallation = `${host.url}/installed/hostile`;
    const probeInstalled = await installPlugin(host.url, owner, probeInstallation, probeUrl, { granted: PROBE_GRANTS });
    expect(probeInstalled.status, probeInstalled.text).toBe(200);
    const hostileInstalled = await installPlugin(host.url, owner, hostileInstallation, hostileUrl, { granted: HOSTILE_GRANTS });
    expect(hostileInstalled.status, hostileInstalled.text).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await host?.dispose();
    await new Promise<void>((resolve) => (network ? network.close(() => resolve()) : resolve()));
    // Timings are for people looking into containment (PRINT_TIMINGS=1), not for CI logs.
    if (process.env.PRINT_TIMINGS && timings.length > 0) {
      const width = Math.max(...timings.map((t) => t.what.length));
      const lines = timings.map((t) => `${t.what.padEnd(width)}  ${String(t.status).padStart(3)} ${t.code.padEnd(16)} ${String(t.ms).padStart(6)} ms`);
      console.log(`hostile plugin timings (plugin timeoutMs ${TIMEOUT_MS}):\n${lines.join('\n')}`);
    }
  });

  it('answers normally when asked to', async () => {
    await expectHealthy('install');
  });

  const TIMEOUT = { status: 504, code: 'PLUGIN_TIMEOUT', names: 'did not answer in time' } as const;
  const failed = (names: string) => ({ status: 502, code: 'PLUGIN_FAILED', names }) as const;
  describe.each([
    // [route, the outcomes accepted: status, error code, what the description names]
    ['loop', [TIMEOUT]],
    // A counting loop spends its 100,000,000 units of fuel in ~400 ms on the test box, close to
    // the 500 ms deadline: on a slower box the deadline may come first.
    ['spin', [failed('ran out of fuel'), TIMEOUT]],
    ['grow', [failed('hit the memory limit')]],
    ['recurse', [failed('overflowed the stack')]],
    ['trap', [failed('trapped')]],
    ['abort', [failed('trapped')]],
    ['abort?mode=hook', [failed('hostile: failing on purpose')]],
    ['bad-output?mode=garbage', [failed('not JSON')]],
    ['bad-output?mode=none', [failed('valid status')]],
    ['bad-output?mode=array', [failed('valid status')]],
    ['bad-output?mode=status', [failed('valid status')]],
  ] as const)('/%s', (route, outcomes) => {
    it(`is answered ${outcomes.map((o) => `${o.status} ${o.code}`).join(' or ')} within the deadline, and everything keeps working`, async () => {
      const result = await timed(`/${route}`, () => fetch(hostile(route)));
      const outcome = outcomes.find((o) => o.status === result.status) ?? outcomes[0];
      expectAtomicError(result, outcome.status, outcome.code);
      expect(String(result.body?.[props.description])).toContain(outcome.names);
      expect(result.ms).toBeLessThan(BOUND_MS);
      if (outcome.status === 504) expect(result.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
      await expectHealthy(route);
    });
  });

  it.runIf(applies('exit'))('/exit: a plugin that ends its process mid-call is answered 502 (crashed), and the next call works after the restart', async () => {
    const result = await timed('/exit', () => fetch(hostile('exit')));
    expectAtomicError(result, 502, 'PLUGIN_FAILED');
    expect(String(result.body?.[props.description])).toContain('crashed');
    expect(result.ms).toBeLessThan(BOUND_MS);
    await expectHealthy('exit');
  });

  it('gets error envelopes, never a trap, for garbage and huge requests to a host function', async () => {
    const result = await timed('/host-abuse', () => fetch(hostile('host-abuse')));
    expect(result.status, result.text).toBe(200);
    const answers = result.body as Record<string, unknown>;
    for (const name of ['garbage', 'binary', 'array', 'noKey', 'empty']) {
      const envelope = JSON.parse(answers[name] as string) as { error?: { code: string; message: string } };
      expect(envelope.error?.code, `${name}: ${answers[name]}`).toBe('INVALID_REQUEST');
    }
    // A 200,000-character key is more than the key/value store takes: refused, not trapped.
    const hugeGet = answers.hugeGet as { error?: { code: string; message: string } };
    const hugeSet = answers.hugeSet as { error?: { code: string; message: string } };
    expect(hugeGet.error?.code, JSON.stringify(hugeGet)).toBeTypeOf('string');
    expect(hugeSet.error?.code, JSON.stringify(hugeSet)).toBeTypeOf('string');
    expect(result.ms).toBeLessThan(BOUND_MS);
    await expectHealthy('host-abuse');
  });

  it.runIf(applies('bad-offset'))('fails only its own call when it hands a host function an offset that is no memory block', async () => {
    const result = await timed('/host-abuse?mode=bad-offset', () => fetch(hostile('host-abuse?mode=bad-offset')));
    if (result.status === 200) {
      expect((JSON.parse(result.text) as { error?: { code: string } }).error?.code, result.text).toBe('INVALID_REQUEST');
    } else {
      expectAtomicError(result, 502, 'PLUGIN_FAILED');
    }
    expect(result.ms).toBeLessThan(BOUND_MS);
    await expectHealthy('host-abuse?mode=bad-offset');
  });

  it('cannot commit where its agent has no rights: an error envelope, and nothing changes', async () => {
    const drive = await getAs(host.url, owner);
    const installation = await getAs(hostileInstallation, owner);
    const ownerAgent = await getAs(owner.subject, owner);
    const attempts: [string, string, Record<string, unknown>][] = [
      ['the drive', host.url, { [props.name]: 'taken over' }],
      ['the drive\'s write list', host.url, { [props.write]: ['https://atomicdata.dev/agents/publicAgent'] }],
      ['its own installation', hostileInstallation, { [props.plugin.permissions]: [...HOSTILE_GRANTS, 'full-drive-access'] }],
      ['the probe installation', probeInstallation, { [props.plugin.permissions]: [] }],
      ['the owner agent', owner.subject, { [props.name]: 'pwned' }],
    ];
    for (const [what, subject, set] of attempts) {
      const result = await timed(`/commit-drive (${what})`, () =>
        fetch(`${hostile('commit-drive')}?subject=${encodeURIComponent(subject)}`, { method: 'POST', body: JSON.stringify({ set }) }),
      );
      expect(result.status, result.text).toBe(200);
      const envelope = result.body as { ok?: unknown; error?: { code: string; message: string } };
      expect(envelope.ok, `${what}: ${result.text}`).toBeUndefined();
      expect(envelope.error?.code, `${what}: ${result.text}`).toMatch(/^(FORBIDDEN|UNAUTHORIZED)$/);
    }
    expect((await getAs(host.url, owner)).body).toEqual(drive.body);
    const installationAfter = await getAs(hostileInstallation, owner);
    expect(installationAfter.body?.[props.plugin.permissions]).toEqual(installation.body?.[props.plugin.permissions]);
    expect((await getAs(owner.subject, owner)).body).toEqual(ownerAgent.body);
    await expectHealthy('commit-drive');
  });

  it('gets HOST_NOT_ALLOWED for hosts outside its list, before any network traffic', async () => {
    const port = (network.address() as AddressInfo).port;
    networkHits.length = 0;
    const refused = [
      'http://example.com/',
      `http://localhost:${port}/via-localhost`,
      `http://127.0.0.1.nip.io:${port}/via-dns`,
      `http://[::ffff:127.0.0.1]:${port}/via-ipv6`,
      `http://evil@localhost:${port}/via-userinfo`,
      'file:///etc/passwd',
      'ftp://127.0.0.1/',
    ];
    for (const url of refused) {
      const result = await timed(`/http-forbidden ${url}`, () => fetch(`${hostile('http-forbidden')}?url=${encodeURIComponent(url)}`));
      expect(result.status, result.text).toBe(200);
      expect((result.body as { error?: { code: string } }).error?.code, `${url}: ${result.text}`).toBe('HOST_NOT_ALLOWED');
      expect(result.ms).toBeLessThan(BOUND_MS);
    }
    expect(networkHits).toEqual([]);

    // The observation works: the host it is allowed is reached, and a redirect off it is not followed.
    const allowed = await fetch(`${hostile('http-forbidden')}?url=${encodeURIComponent(`${networkUrl}/allowed`)}`);
    expect(((await allowed.json()) as { ok?: { status: number; body: string } }).ok).toEqual({ status: 200, body: 'local answer' });
    const redirect = await fetch(`${hostile('http-forbidden')}?url=${encodeURIComponent(`${networkUrl}/redirect`)}`);
    expect(((await redirect.json()) as { ok?: { status: number } }).ok?.status).toBe(302);
    expect(networkHits).toEqual(['/allowed', '/redirect']);
    await expectHealthy('http-forbidden');
  });

  it("cannot see another installation's key/value store, nor write into it", async () => {
    const key = `shared-${Date.now()}`;
    expect((await fetch(probe(`kv/${key}`), { method: 'PUT', body: JSON.stringify('probe secret') })).status).toBe(200);
    expect(await (await fetch(probe(`kv/${key}`))).json()).toEqual({ key, value: 'probe secret' });
    const peek = await timed('/kv-other', () => fetch(`${hostile('kv-other')}?key=${encodeURIComponent(key)}`));
    expect(peek.body).toEqual({ ok: null });

    const planted = `planted-${Date.now()}`;
    expect((await fetch(`${hostile('kv-set')}?key=${encodeURIComponent(planted)}`, { method: 'PUT', body: 'hostile value' })).status).toBe(200);
    expect(await (await fetch(`${hostile('kv-other')}?key=${encodeURIComponent(planted)}`)).json()).toEqual({ ok: 'hostile value' });
    expect(await (await fetch(probe(`kv/${planted}`))).json()).toEqual({ key: planted, value: null });
    // The probe's own value is untouched.
    expect(await (await fetch(probe(`kv/${key}`))).json()).toEqual({ key, value: 'probe secret' });
  });

  describe('its commit hooks', () => {
    it.each([
      ['hostile:trap-before', 'trapped'],
      ['hostile:loop-before', 'timed out'],
      ['hostile:grow-before', 'memory limit'],
      ['hostile:reject', 'hostile says no'],
    ])('before_commit %s refuses the commit (fails closed), which is not stored', async (name, names) => {
      const subject = uniqueSubject(host.url, 'guarded');
      const refused = await timed(`commit "${name}"`, () => postCommit(host.url, { subject, set: { [props.parent]: host.url, [props.name]: name } }, owner));
      expectAtomicError(refused, 403, 'PLUGIN_REJECTED');
      expect(String(refused.body?.[props.description])).toContain('test/hostile');
      expect(String(refused.body?.[props.description])).toContain(names);
      expect(refused.ms).toBeLessThan(BOUND_MS);
      expect((await getAs(subject, owner)).status).toBe(404);
      await expectHealthy(`commit "${name}"`);
    });

    it.each(['hostile:trap-after', 'hostile:loop-after'])('after_commit %s does not block the commit (fails open)', async (name) => {
      const subject = uniqueSubject(host.url, 'after');
      const committed = await timed(`commit "${name}"`, () => postCommit(host.url, { subject, set: { [props.parent]: host.url, [props.name]: name } }, owner));
      expect(committed.status, committed.text).toBe(200);
      expect(committed.ms).toBeLessThan(BOUND_MS);
      const served = await getAs(subject, owner);
      expect(served.status).toBe(200);
      expect(served.body?.[props.name]).toBe(name);
      await expectHealthy(`commit "${name}"`);
    });
  });

  it.each(['hostile:trap-get', 'hostile:loop-get'])('on_resource_get %s serves the resource unchanged', async (name) => {
    const subject = uniqueSubject(host.url, 'served');
    await createResource(host.url, owner, subject, { [props.name]: name });
    const served = await timed(`GET "${name}"`, () => getAs(subject, owner));
    expect(served.status, served.text).toBe(200);
    expect(served.body?.[props.name]).toBe(name);
    expect(served.body?.[HOSTILE_SEEN]).toBeUndefined();
    expect(served.body?.[PROBE_SEEN]).toBe(true);
    expect(served.ms).toBeLessThan(BOUND_MS);
    await expectHealthy(`GET "${name}"`);
  });

  it('answers 20 concurrent calls mixing /ok and /loop: every /ok 200, every /loop 504', async () => {
    const routes = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'ok' : 'loop'));
    const start = performance.now();
    const results = await Promise.all(routes.map((route, i) => timed(`concurrent #${String(i).padStart(2, '0')} /${route}`, () => fetch(hostile(route)))));
    const total = performance.now() - start;
    timings.push({ what: 'concurrent: all 20', status: 0, code: '', ms: Math.round(total) });
    results.forEach((result, i) => {
      if (routes[i] === 'ok') {
        expect(result.status, `#${i} /ok: ${result.text}`).toBe(200);
        expect(result.text).toBe('ok');
      } else {
        expectAtomicError(result, 504, 'PLUGIN_TIMEOUT');
      }
    });
    // The loops run one after the other (one call in flight per plugin); nothing waits for more than that.
    const loops = routes.filter((r) => r === 'loop').length;
    expect(total).toBeLessThan(loops * (TIMEOUT_MS + 300) + MARGIN_MS);
    await expectHealthy('20 concurrent calls');
  }, 60_000);

  it('keeps the rest of the server answering while its calls queue behind loops (latency measured)', async () => {
    // Its hooks share the plugin's single call queue with its endpoints: a GET (on_resource_get)
    // or a commit (before_commit) waits for the loops queued before it.
    const subject = uniqueSubject(host.url, 'bystander');
    await createResource(host.url, owner, subject, { [props.name]: 'bystander' });
    const loops = Array.from({ length: 3 }, () => timed('queued /loop', () => fetch(hostile('loop'))));
    await new Promise((r) => setTimeout(r, 50));
    const [get, commit] = await Promise.all([
      timed('GET while 3 loops queue', () => getAs(subject, owner)),
      timed('commit while 3 loops queue', () => postCommit(host.url, { subject: uniqueSubject(host.url, 'bystander'), set: { [props.parent]: host.url, [props.name]: 'bystander' } }, owner)),
    ]);
    for (const loop of await Promise.all(loops)) expectAtomicError(loop, 504, 'PLUGIN_TIMEOUT');
    expect(get.status, get.text).toBe(200);
    expect(commit.status, commit.text).toBe(200);
    expect(get.ms).toBeLessThan(3 * (TIMEOUT_MS + 300) + MARGIN_MS);
    expect(commit.ms).toBeLessThan(3 * (TIMEOUT_MS + 300) + MARGIN_MS);
    await expectHealthy('queued loops');
  }, 30_000);

  describe('installs that must be refused, leaving nothing behind', () => {
    async function expectRefused(subject: string, result: HttpResult, endpoint: string): Promise<void> {
      expect(result.status, result.text).toBeGreaterThanOrEqual(400);
      expect(result.status, result.text).toBeLessThan(500);
      expect((await getAs(subject, owner)).status).toBe(404);
      expect((await fetch(endpoint)).status).toBe(404);
    }

    /** A call of http_request without the network permission, refused with an error envelope the plugin sees (and shows). */
    async function expectEnvelopeRefusal(endpoint: string, readRefusal: (result: HttpResult) => { code?: string; message?: string }): Promise<void> {
      const result = await timed(`call ${endpoint} without network`, () => fetch(`${endpoint}?url=${encodeURIComponent(networkUrl)}`));
      const refusal = readRefusal(result);
      expect(refusal.code, result.text).toBe('PERMISSION_DENIED');
      expect(refusal.message, result.text).toContain('"http_request" needs permission "network"');
      expect(networkHits.filter((h) => h !== '/allowed' && h !== '/redirect')).toEqual([]);
    }

    it(`a plugin that calls http_request while its manifest does not ask for network (${fixtures.ungrantedHostFunction})`, async () => {
      const zip = await fixturePackage(fixtures, 'hostile-ungranted', owner);
      const url = await uploadPackage(host.url, zip, owner);
      const subject = `${host.url}/installed/hostile-ungranted`;
      const endpoint = `${host.url}/plugins/test/hostile-ungranted/fetch`;
      const attempt = await timed('install ungranted (read)', () => installPlugin(host.url, owner, subject, url, { granted: ['read'] }));
      if (fixtures.ungrantedHostFunction === 'install') {
        await expectRefused(subject, attempt, endpoint);
        expect(attempt.status).toBe(422);
        expect(attempt.body?.[props.name]).toBe('PLUGIN_LOAD_FAILED');
        expect(String(attempt.body?.[props.description])).toContain('"http_request" needs permission "network"');
      } else {
        // The plugin sees the refusal (an error envelope) and answers with it.
        expect(attempt.status, attempt.text).toBe(200);
        await expectEnvelopeRefusal(endpoint, (result) => {
          expect(result.status, result.text).toBe(502);
          const body = result.body as { error?: string; message?: string } | undefined;
          return { code: body?.error, message: body?.message };
        });
        expect((await postCommit(host.url, { subject, destroy: true }, owner)).status).toBe(200);
        expect((await fetch(endpoint)).status).toBe(404);
      }
      // Nor can the installer grant what the manifest does not ask for.
      const overGranted = await timed('install ungranted (network)', () => installPlugin(host.url, owner, subject, url, { granted: ['read', 'network'] }));
      await expectRefused(subject, overGranted, endpoint);
      expect(overGranted.body?.[props.name]).toBe('PLUGIN_INVALID');
    });

    it(`the hostile plugin installed without granting network (${fixtures.ungrantedHostFunction})`, async () => {
      const zip = await fixturePackage(fixtures, 'hostile', owner, { manifestChanges: { name: 'hostile-no-network' } });
      const url = await uploadPackage(host.url, zip, owner);
      const subject = `${host.url}/installed/hostile-no-network`;
      const attempt = await timed('install hostile without network', () => installPlugin(host.url, owner, subject, url, { granted: ['read', 'write', 'storage'] }));
      if (fixtures.ungrantedHostFunction === 'install') {
        await expectRefused(subject, attempt, `${host.url}/plugins/test/hostile-no-network/ok`);
        expect(attempt.body?.[props.name]).toBe('PLUGIN_LOAD_FAILED');
        expect(String(attempt.body?.[props.description])).toContain('"http_request" needs permission "network"');
      } else {
        expect(attempt.status, attempt.text).toBe(200);
        await expectEnvelopeRefusal(`${host.url}/plugins/test/hostile-no-network/http-forbidden`, (result) => {
          expect(result.status, result.text).toBe(200);
          const body = result.body as { error?: { code: string; message: string } } | undefined;
          return { code: body?.error?.code, message: body?.error?.message };
        });
        expect((await postCommit(host.url, { subject, destroy: true }, owner)).status).toBe(200);
        expect((await fetch(`${host.url}/plugins/test/hostile-no-network/ok`)).status).toBe(404);
      }
    });

    it.each(['trap', 'loop', 'abort'])('a plugin whose init fails (%s)', async (mode) => {
      const zip = await fixturePackage(fixtures, 'hostile', owner, { manifestChanges: { name: `hostile-init-${mode}` } });
      const url = await uploadPackage(host.url, zip, owner);
      const subject = `${host.url}/installed/hostile-init-${mode}`;
      const refused = await timed(`install with init ${mode}`, () => installPlugin(host.url, owner, subject, url, { granted: HOSTILE_GRANTS, config: { init: mode } }));
      await expectRefused(subject, refused, `${host.url}/plugins/test/hostile-init-${mode}/ok`);
      expect(refused.body?.[props.name]).toBe('PLUGIN_LOAD_FAILED');
      expect(refused.ms).toBeLessThan(BOUND_MS + 5000); // install also prepares the module (fuel injection)
      await expectHealthy(`install with init ${mode}`);
    });
  });

  // Last, because a server that falls over here takes the process with it: each test starts from
  // a live host (restarted on the same data folder and port if the previous one died).
  describe('response headers and statuses Node cannot send as given', () => {
    /** The fetch, or status -1 with the network error and the tail of the server's output. */
    const attempt = (what: string, url: string): Promise<Timed> => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), BOUND_MS * 2);
      return timed(what, () =>
        fetch(url, { signal: controller.signal })
          .catch(async (error: Error) => {
            await new Promise((r) => setTimeout(r, 200));
            const state = host.child.exitCode === null ? 'still running' : `exited with ${host.child.exitCode}`;
            return { status: -1, headers: new Headers(), text: `${String(error.cause ?? error)}; the server ${state}:\n${host.output().slice(-1500)}`, body: undefined };
          })
          .finally(() => clearTimeout(timer)),
      );
    };

    beforeEach(async () => {
      if (host.child.exitCode === null && host.child.signalCode === null) return;
      host = await startHostProcess({ dataDir: host.dataDir, port: host.port });
    });

    /** A plugin's answer with headers Node accepts arrives as the plugin gave it, or is a 502. */
    async function expectHeadersHandled(kind: string): Promise<void> {
      const result = await attempt(`/bad-headers?kind=${kind}`, `${hostile('bad-headers')}?kind=${kind}`);
      expect(result.status, result.text).not.toBe(-1);
      expect(result.status, result.text).not.toBe(500);
      if (result.status === 200) {
        expect(result.text).toBe('hostile headers');
        expect(result.headers.get('set-cookie')).toBeNull();
      } else {
        expectAtomicError(result, 502, 'PLUGIN_FAILED');
      }
      await expectHealthy(`bad-headers?kind=${kind}`);
    }

    it('bad-headers?kind=cl: its own content-length is replaced by the real one', async () => {
      await expectHeadersHandled('cl');
    });

    // Headers Node would refuse to write (and that once ended the server process) are refused as
    // a plugin failure.
    it.each([
      ['crlf', 'a header value with CR LF'],
      ['nul', 'a header value with NUL'],
      ['unicode', 'a header value with a character above U+00FF ("héllo ✓")'],
      ['name', 'a header name with spaces'],
    ])('bad-headers?kind=%s (%s) is a plugin failure, and the server keeps running', async (kind) => {
      await expectHeadersHandled(kind);
    });

    // Framing headers are the server's: a plugin's transfer-encoding next to the real content-length
    // would be invalid HTTP/1.1 (RFC 9112 §6.2).
    it('bad-headers?kind=te: its transfer-encoding is dropped', async () => {
      await expectHeadersHandled('te');
    });

    it.each([204, 304, 599])('status?code=%i is answered as such', async (code) => {
      const result = await attempt(`/status?code=${code}`, `${hostile('status')}?code=${code}`);
      expect(result.status, result.text).toBe(code);
      await expectHealthy(`status?code=${code}`);
    });

    // A 1xx status is interim in HTTP: the client would wait for a final answer that never comes.
    it.each([100, 101, 103])('status?code=%i is refused as a plugin failure', async (code) => {
      const result = await attempt(`/status?code=${code}`, `${hostile('status')}?code=${code}`);
      expect(result.status, result.text).not.toBe(-1);
      expectAtomicError(result, 502, 'PLUGIN_FAILED');
      await expectHealthy(`status?code=${code}`);
    });
  });
});

describe.each(runtimeFixtures.map((fixtures) => [fixtures.kind, fixtures] as const))('the breaker of a hostile %s plugin', (_kind, fixtures) => {
  let host: HostProcess;
  let owner: AgentIdentity;
  const installation = (): string => `${host.url}/installed/hostile`;
  const hostile = (path: string): string => `${host.url}/plugins/test/hostile/${path}`;

  beforeAll(async () => {
    host = await startHostProcess();
    owner = ownerOf(host);
    const url = await uploadPackage(host.url, await fixturePackage(fixtures, 'hostile', owner), owner);
    const installed = await installPlugin(host.url, owner, installation(), url, { granted: HOSTILE_GRANTS });
    expect(installed.status, installed.text).toBe(200);
  }, 180_000);
  afterAll(() => host?.dispose());

  it('is not tripped by failing requests to its endpoints, which anyone can send', async () => {
    for (let i = 0; i < 25; i++) expect((await fetch(hostile('trap'))).status).toBe(502);
    expect((await fetch(hostile('ok'))).status).toBe(200);
  });

  it('switches the plugin off after 20 failed hook calls in a row, and says why on its resource', async () => {
    for (let i = 0; i < 20; i++) {
      const refused = await postCommit(host.url, { subject: uniqueSubject(host.url, 'tripping'), set: { [props.parent]: host.url, [props.name]: 'hostile:trap-before' } }, owner);
      expect(refused.status).toBe(403);
    }
    const local = localProps(host.url);
    let resource: Record<string, unknown> = {};
    for (let i = 0; i < 50 && resource[local.pluginEnabled] !== false; i++) {
      resource = (await getAs(installation(), owner)).body ?? {};
      if (resource[local.pluginEnabled] !== false) await new Promise((r) => setTimeout(r, 100));
    }
    expect(resource[local.pluginEnabled]).toBe(false);
    expect(String(resource[local.pluginError])).toContain('switched off after 20 failed calls');
    expect((await fetch(hostile('ok'))).status).toBe(404);
    // The commits its hook refused go through now.
    const subject = uniqueSubject(host.url, 'after-breaker');
    expect((await postCommit(host.url, { subject, set: { [props.parent]: host.url, [props.name]: 'hostile:trap-before' } }, owner)).status).toBe(200);
  });
});
