// The real @tomic/lib client against a real `atomic-plugin serve` process: create, read, edit and
// destroy a resource with signed commits, and see the commits arrive over WebSocket.

import { Agent, Store, core } from '@tomic/lib';
import { WebSocket as WsWebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostProcess, type HostProcess } from './support/host-process.js';

// Node 20 has no global WebSocket; the client looks for one.
globalThis.WebSocket ??= WsWebSocket as unknown as typeof globalThis.WebSocket;

const name = core.properties.name;
const description = core.properties.description;

describe('@tomic/lib against atomic-plugin serve', () => {
  let host: HostProcess;
  const stores: Store[] = [];

  const newStore = async (agent = true): Promise<Store> => {
    const store = new Store({ serverUrl: host.url, ...(agent ? { agent: Agent.fromSecret(host.secret) } : {}) });
    await store.preloadPropsAndClasses();
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    host = await startHostProcess();
  });
  afterAll(async () => {
    for (const store of stores) store.getDefaultWebSocket()?.close();
    await host.dispose();
  });

  it('loads the ontology from the server, so property definitions resolve offline', async () => {
    const store = await newStore();
    const property = await store.getProperty(name);
    expect(property.shortname).toBe('name');
    expect(property.datatype).toBe('https://atomicdata.dev/datatypes/string');
  });

  it('creates, reads back, edits and destroys a resource, and a subscriber sees each commit', async () => {
    const writer = await newStore();
    const watcher = await newStore();
    const resource = await writer.newResource({ parent: host.url, propVals: { [name]: 'First', [description]: 'Made by a test' } });
    await resource.save();
    const subject = resource.subject;
    expect(subject.startsWith(`${host.url}/`)).toBe(true);

    const reader = await newStore();
    const fetched = await reader.fetchResourceFromServer(subject);
    expect(fetched.error).toBeUndefined();
    expect(fetched.get(name)).toBe('First');
    expect(fetched.get('https://atomicdata.dev/properties/lastCommit')).toMatch(`${host.url}/commits/`);

    // The watcher subscribes over WebSocket and must see the edit without asking again.
    const seen: string[] = [];
    const watched = await watcher.getResource(subject);
    expect(watched.get(name)).toBe('First');
    const unsubscribe = watcher.subscribe(subject, (r) => seen.push(String(r.get(name))));
    await waitFor(() => watcher.getDefaultWebSocket()?.readyState === 1);
    await new Promise((r) => setTimeout(r, 100));

    await resource.set(name, 'Second');
    await resource.save();
    await waitFor(() => seen.includes('Second'));

    const again = await (await newStore()).fetchResourceFromServer(subject);
    expect(again.get(name)).toBe('Second');

    await resource.destroy();
    const gone = await fetch(subject, { headers: { accept: 'application/ad+json' } });
    expect(gone.status).toBe(404);
    unsubscribe();
  });

  it('lists a resource\'s commits through the commits collection', async () => {
    const writer = await newStore();
    const resource = await writer.newResource({ parent: host.url, propVals: { [name]: 'v1' } });
    await resource.save();
    await resource.set(name, 'v2');
    await resource.save();
    const history = await resource.getHistory();
    expect(history.map((v) => v.resource.get(name))).toEqual(['v1', 'v2']);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
