// The system monitor plugin (plugins/monitor) over HTTP against a real server: installed by name
// with the CLI, it serves its page and /monitor/stats, the host_stats figures, only to agents that
// may read the drive; the figures follow the plugins' calls, restarts and switching off.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentIdentity } from '../server/atomic/agent.js';
import { signRequestHeaders } from '../server/atomic/auth.js';
import { localProps, props } from '../server/atomic/urls.js';
import type { HostStats, PluginFigures } from '../sdk/common/host-stats.js';
import { cliEnv, expectSuccess, runCli } from './support/cli-run.js';
import { getAs, ownerOf, postCommit, readResult, registerAgent } from './support/commits.js';
import { startHostProcess, type HostProcess } from './support/host-process.js';

describe('the system monitor plugin', () => {
  let host: HostProcess;
  let owner: AgentIdentity;
  let work: string;
  let monitor: string;
  let crud: string;
  const cli = (...args: string[]) => runCli(args, { env: cliEnv(join(work, 'config.json'), { ATOMIC_SERVER_URL: host.url, ATOMIC_AGENT_SECRET: host.secret }), timeoutMs: 180_000 });
  const stats = async (agent?: AgentIdentity) => readResult(await fetch(`${host.url}/monitor/stats`, { headers: agent ? signRequestHeaders(`${host.url}/monitor/stats`, agent) : {} }));
  const figures = async (): Promise<HostStats & { server: string }> => {
    const read = await stats(owner);
    expect(read.status, read.text).toBe(200);
    return read.body as unknown as HostStats & { server: string };
  };
  const entry = async (subject: string): Promise<PluginFigures> => (await figures()).plugins.find((p) => p.subject === subject)!;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'atomic-monitor-'));
    host = await startHostProcess();
    owner = ownerOf(host);
    const installed = expectSuccess<{ subject: string; status: string; granted: string[] }>(await cli('install', 'monitor', '--yes', '--json'), 'install monitor');
    expect(installed).toMatchObject({ status: 'active' });
    expect(installed.granted).toEqual(expect.arrayContaining(['monitor', 'read']));
    monitor = installed.subject;
    crud = expectSuccess<{ subject: string }>(await cli('install', 'crud', '--yes', '--json'), 'install crud').subject;
  }, 300_000);
  afterAll(async () => {
    await host?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('serves its page at /monitor/ (and sends /monitor there) with a strict content security policy', async () => {
    const redirect = await fetch(`${host.url}/monitor`, { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/monitor/');
    const page = await fetch(`${host.url}/monitor/`);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<meta name="monitor-stats" content="/monitor/stats">');
    expect((await fetch(`${host.url}/monitor/app.js`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${host.url}/monitor/app.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('gives the figures only to agents that may read the drive (401 anonymous, 403 a stranger), and says who is an operator', async () => {
    const anonymous = await stats();
    expect(anonymous.status).toBe(401);
    expect(anonymous.body?.error).toMatchObject({ code: 'UNAUTHORIZED' });
    const stranger = await stats(await registerAgent(host.url, 'Stranger'));
    expect(stranger.status).toBe(403);
    expect(String((stranger.body?.error as { message: string }).message)).toContain('may not read the drive');
    const reader = await registerAgent(host.url, 'Reader');
    expect((await postCommit(host.url, { subject: host.url, push: { [props.read]: [reader.subject] } }, owner)).status).toBe(200);
    const read = await stats(reader);
    expect(read.status).toBe(200);
    // It says whether the agent may manage plugins (write rights on the drive): the page offers the actions then only.
    expect([read.body?.operator, (await stats(owner)).body?.operator]).toEqual([false, true]);
  });

  it('answers the host\'s memory, CPU, disk and uptime, and every plugin\'s status and figures', async () => {
    const { server, host: figuresOfHost, plugins } = await figures();
    expect(server).toBe(host.url);
    expect(figuresOfHost.memory.rssBytes).toBeGreaterThan(0);
    expect(figuresOfHost.cpu.cores).toBeGreaterThan(0);
    expect(figuresOfHost.disk.totalBytes).toBeGreaterThan(0);
    expect(figuresOfHost.uptime.processSeconds).toBeGreaterThanOrEqual(0);
    expect(plugins.map((p) => p.plugin).sort()).toEqual(['atomic/crud', 'atomic/monitor']);
    expect(plugins.find((p) => p.subject === monitor)).toMatchObject({ status: 'active', error: null, version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it('follows the calls: counts and latency percentiles move as plugins are called', async () => {
    const before = await entry(crud);
    for (let i = 0; i < 5; i++) await fetch(`${host.url}/crud/nothing-by-this-name`, { headers: { accept: 'application/json' } });
    const after = await entry(crud);
    expect(after.calls).toBe(before.calls + 5);
    expect(after.latencyMs.p50).toBeGreaterThan(0);
    expect(after.latencyMs.p99!).toBeGreaterThanOrEqual(after.latencyMs.p50!);
    // The monitor counts its own requests too: each read of the figures is a call.
    const first = await entry(monitor);
    expect((await entry(monitor)).calls).toBeGreaterThan(first.calls);
  });

  it('shows a restart and a plugin switched off and on again', async () => {
    const url = `${host.url}/plugins/restart?plugin=${encodeURIComponent(crud)}`;
    const restarted = await fetch(url, { method: 'POST', headers: signRequestHeaders(url, owner) });
    expect(restarted.status).toBe(200);
    expect(await entry(crud)).toMatchObject({ status: 'active', restarts: 1 });
    const local = localProps(host.url);
    expectSuccess(await cli('disable', 'atomic/crud', '--json'), 'disable crud');
    expect(await entry(crud)).toMatchObject({ plugin: 'atomic/crud', status: 'disabled', calls: 0 });
    expect((await getAs(crud, owner)).body?.[local.pluginStatus]).toBe('disabled');
    expectSuccess(await cli('enable', 'atomic/crud', '--json'), 'enable crud');
    expect(await entry(crud)).toMatchObject({ status: 'active', restarts: 1 });
  });
});
