// Durability: a host killed with SIGKILL in the middle of a stream of commits keeps every commit
// it acknowledged, and comes back on the same port and data folder.

import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCommit, type Commit } from '../server/atomic/commit.js';
import { props } from '../server/atomic/urls.js';
import { getAs, ownerOf, postSignedCommit } from './support/commits.js';
import { freePort, startHostProcess, type HostProcess } from './support/host-process.js';

const TOTAL = 200;
const IN_FLIGHT = 16;
const KILL_AFTER_ACKS = 100;

describe('durability', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'atomic-plugin-durability-'));
  const hosts: HostProcess[] = [];
  let port: number;
  beforeAll(async () => {
    port = await freePort();
  });
  afterAll(async () => {
    for (const host of hosts) await host.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the owner secret private and records the server URL', async () => {
    const host = await startHostProcess({ dataDir, port });
    hosts.push(host);
    expect(statSync(join(dataDir, 'agent.secret')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(dataDir, 'host.json'), 'utf8'))).toMatchObject({ serverUrl: host.url });
    expect(host.url).toBe(`http://localhost:${port}`);
    await host.stop();
  }, 30_000);

  it('keeps every acknowledged commit after a SIGKILL in the middle of a burst', async () => {
    const first = await startHostProcess({ dataDir, port });
    hosts.push(first);
    const url = first.url;
    const owner = ownerOf(first);
    const run = Date.now().toString(36);
    const subjectOf = (i: number): string => `${url}/durable-${run}-${i}`;
    const commits = new Map<number, Commit>();
    const acknowledged = new Set<number>();
    const failed: string[] = [];
    let next = 0;
    let inFlight = 0;
    let inFlightAtKill = 0;
    let killed: Promise<void> | undefined;

    const worker = async (): Promise<void> => {
      while (next < TOTAL && !killed) {
        const i = next++;
        const commit = signCommit(
          { subject: subjectOf(i), set: { [props.parent]: url, [props.name]: `Durable ${i}`, [props.description]: `Commit ${i} of ${run}` } },
          owner,
        );
        commits.set(i, commit);
        inFlight += 1;
        try {
          const result = await postSignedCommit(url, commit);
          if (result.status === 200) acknowledged.add(i);
          else failed.push(`${i}: ${result.status} ${result.text}`);
        } catch {
          // The connection died with the process: not acknowledged.
        } finally {
          inFlight -= 1;
        }
        if (acknowledged.size >= KILL_AFTER_ACKS && !killed) {
          inFlightAtKill = inFlight;
          killed = first.stop('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    await killed;

    expect(failed).toEqual([]);
    expect(acknowledged.size).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    // Killed mid-stream, with commits on their way.
    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(first.child.signalCode).toBe('SIGKILL');

    const second = await startHostProcess({ dataDir, port });
    hosts.push(second);
    expect(second.url).toBe(url);
    expect(second.secret).toBe(first.secret);

    for (const i of acknowledged) {
      const commit = commits.get(i)!;
      const resource = await getAs(subjectOf(i), owner);
      expect(resource.status, `${subjectOf(i)}: ${resource.text}`).toBe(200);
      expect(resource.body).toMatchObject({
        '@id': subjectOf(i),
        [props.parent]: url,
        [props.name]: `Durable ${i}`,
        [props.description]: `Commit ${i} of ${run}`,
        [props.lastCommit]: `${url}/commits/${commit.signature}`,
      });
      const stored = await getAs(`${url}/commits/${commit.signature}`, owner);
      expect(stored.status, stored.text).toBe(200);
      expect(stored.body?.[props.commit.signature]).toBe(commit.signature);
      expect(stored.body?.[props.commit.subject]).toBe(subjectOf(i));
    }

    // What was not acknowledged is either absent or complete: never half written.
    for (const [i, commit] of commits) {
      if (acknowledged.has(i)) continue;
      const resource = await getAs(subjectOf(i), owner);
      if (resource.status === 404) {
        expect((await getAs(`${url}/commits/${commit.signature}`, owner)).status).toBe(404);
      } else {
        expect(resource.status).toBe(200);
        expect(resource.body?.[props.name]).toBe(`Durable ${i}`);
        expect(resource.body?.[props.lastCommit]).toBe(`${url}/commits/${commit.signature}`);
        expect((await getAs(`${url}/commits/${commit.signature}`, owner)).status).toBe(200);
      }
    }

    // The restarted host takes new commits.
    const after = await postSignedCommit(url, signCommit({ subject: subjectOf(TOTAL), set: { [props.parent]: url, [props.name]: 'After restart' } }, owner));
    expect(after.status, after.text).toBe(200);
  }, 120_000);
});
