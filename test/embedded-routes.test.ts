// A program that embeds the host (HostOptions.routes) keeps its native routes: a plugin cannot
// declare an endpoint they serve, since the native route would answer in its place.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpResponse, Route } from '../server/http/app.js';
import { startHost, type Host } from '../server/host.js';
import { props } from '../server/atomic/urls.js';
import { fixtureManifest, fixturePackage, runtimeFixtures } from './support/fixtures.js';
import { freePort } from './support/host-process.js';
import { installPlugin, uploadPackage } from './support/plugins.js';

/** What the probe asks for (as in plugins.test.ts): its init needs some of it. */
const ALL = ['read', 'write', 'storage', 'network', 'call-plugins', 'monitor'];

const native: Route = {
  matches: (path) => path === '/native' || path.startsWith('/native/'),
  handle: (): Promise<HttpResponse> => Promise.resolve({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'native' }),
};

describe("an embedding program's native routes", () => {
  const fixtures = runtimeFixtures[0]!;
  const dataDir = mkdtempSync(join(tmpdir(), 'embedded-routes-'));
  let host: Host;

  beforeAll(async () => {
    host = await startHost({ dataDir, port: await freePort(), routes: [native], log: () => {} });
  }, 60_000);
  afterAll(async () => {
    await host.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const withPath = (path: string) => {
    const manifest = fixtureManifest(fixtures, 'probe') as { hooks: Record<string, unknown> };
    return { hooks: { ...manifest.hooks, beforeCommit: undefined, schedules: [], endpoints: [{ path, methods: ['GET'] }] }, provides: [] };
  };

  it('refuses a plugin endpoint on a path a native route serves, and takes one beside it', async () => {
    const taken = await uploadPackage(host.url, await fixturePackage(fixtures, 'probe', host.owner, { manifestChanges: { namespace: 'shadowed', ...withPath('/native') } }), host.owner);
    const refused = await installPlugin(host.url, host.owner, `${host.url}/installed/shadowed`, taken, { granted: ALL });
    expect(refused.status).toBe(409);
    expect(refused.body?.[props.name]).toBe('ENDPOINT_TAKEN');
    expect(String(refused.body?.[props.description])).toContain('served by the program');
    expect(await (await fetch(`${host.url}/native`)).text()).toBe('native');

    const beside = await uploadPackage(host.url, await fixturePackage(fixtures, 'probe', host.owner, { manifestChanges: { namespace: 'beside', ...withPath('/nativeish') } }), host.owner);
    expect((await installPlugin(host.url, host.owner, `${host.url}/installed/beside`, beside, { granted: ALL })).status).toBe(200);
  }, 120_000);
});
