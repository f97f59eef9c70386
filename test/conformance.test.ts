// `atomic-plugin conformance` as a user runs it: the whole kit against the embedded server it
// starts itself (passing, with a well-formed JUnit report), a plugin project that does not meet its
// own fixtures (failing loudly, in the pretty, TAP and JSON reporters), and a live server that must
// hold exactly what it held before, plugins included.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConformanceReport } from '../cli/lib/conformance/report.js';
import { classes, props } from '../server/atomic/urls.js';
import { cliEnv, expectCliError, runCli } from './support/cli-run.js';
import { getAs, ownerOf } from './support/commits.js';
import { repoRoot, startHostProcess, type HostProcess } from './support/host-process.js';

const broken = join(repoRoot, 'fixtures', 'conformance-projects', 'broken');

/** The elements of an XML document, counted by name; throws when it is not well-formed. */
function xmlElements(xml: string): { counts: Map<string, number>; root: Record<string, string> } {
  const parser = new SaxesParser();
  const counts = new Map<string, number>();
  let root: Record<string, string> | undefined;
  parser.on('error', (error) => {
    throw error;
  });
  parser.on('opentag', (tag) => {
    counts.set(tag.name, (counts.get(tag.name) ?? 0) + 1);
    root ??= Object.fromEntries(Object.entries(tag.attributes).map(([k, v]) => [k, String(v)]));
  });
  parser.write(xml).close();
  return { counts, root: root ?? {} };
}

describe('atomic-plugin conformance', () => {
  let work: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'atomic-plugin-conformance-test-'));
    env = cliEnv(join(work, 'cli-config.json'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('passes against the embedded server it starts, and writes a well-formed JUnit report', async () => {
    const xmlPath = join(work, 'conformance.xml');
    const run = await runCli(['conformance', '--reporter', 'junit', '--output', xmlPath, '--json'], { env, timeoutMs: 600_000 });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as ConformanceReport;
    expect(report.embedded).toBe(true);
    expect(report.failed, JSON.stringify(report.checks.filter((c) => c.status === 'failed'), null, 2)).toBe(0);
    expect(report.skipped).toBe(0);
    expect(report.passed).toBeGreaterThan(150);
    const scenarios = new Set(report.checks.map((c) => `${c.suite} ${c.scenario.split('/')[0]}`));
    for (const expected of ['protocol protocol', 'abi abi', 'abi test', 'reference crud', 'reference sparql', 'reference todo', 'run cleanup']) expect(scenarios, expected).toContain(expected);

    const { counts, root } = xmlElements(readFileSync(xmlPath, 'utf8'));
    expect(counts.get('testsuites')).toBe(1);
    expect(counts.get('testcase')).toBe(report.checks.length);
    expect(counts.get('failure') ?? 0).toBe(0);
    expect(root).toMatchObject({ tests: String(report.checks.length), failures: '0' });
  }, 600_000);

  describe('against a plugin project that does not meet its fixtures', () => {
    it('exits 1 and shows the expectation, the request and the difference', async () => {
      const run = await runCli(['conformance', '--plugin', broken], { env, timeoutMs: 300_000 });
      expect(run.code, run.stdout + run.stderr).toBe(1);
      expect(run.stdout).toContain('✗ plugin broken/01-count › the counter says two');
      expect(run.stdout).toContain('expected    status 200, json ⊇ {"count":2}');
      expect(run.stdout).toMatch(/request {5}GET http:\/\/localhost:\d+\/plugins\/test\/broken\/count\?from=\w+ as owner/);
      expect(run.stdout).toContain('got         200 {"count":1}');
      expect(run.stdout).toContain('json.count: expected 2, got 1');
      expect(run.stdout).toMatch(/\d+ passed, 1 failed, 1 skipped/);
      // Uninstalled all the same.
      expect(run.stderr).toContain('✓ plugin broken/uninstall');
    }, 300_000);

    it('reports it as well-formed TAP', async () => {
      const run = await runCli(['conformance', '--plugin', broken, '--reporter', 'tap'], { env, timeoutMs: 300_000 });
      expect(run.code, run.stderr).toBe(1);
      const lines = run.stdout.trimEnd().split('\n');
      expect(lines[0]).toBe('TAP version 14');
      const plan = /^1\.\.(\d+)$/.exec(lines[1] ?? '');
      expect(plan, lines[1]).not.toBeNull();
      const points = lines.filter((l) => /^(not )?ok \d+ - /.test(l));
      expect(points).toHaveLength(Number(plan![1]));
      points.forEach((line, i) => expect(line).toMatch(new RegExp(`^(not )?ok ${i + 1} - `)));
      const failing = lines.findIndex((l) => l.startsWith('not ok'));
      expect(lines[failing]).toContain('the counter says two');
      // The failure's YAML block: between "  ---" and "  ...", every line indented.
      expect(lines[failing + 1]).toBe('  ---');
      const end = lines.indexOf('  ...', failing);
      const block = lines.slice(failing + 2, end);
      expect(block.every((l) => l.startsWith('  '))).toBe(true);
      expect(block.join('\n')).toContain('expected: 2');
      expect(points.filter((l) => l.includes('# SKIP an earlier step failed'))).toHaveLength(1);
    }, 300_000);

    it('reports it as JSON with the failure\'s parts', async () => {
      const run = await runCli(['conformance', '--plugin', broken, '--reporter', 'json'], { env, timeoutMs: 300_000 });
      expect(run.code, run.stderr).toBe(1);
      const report = JSON.parse(run.stdout) as ConformanceReport;
      expect(report).toMatchObject({ failed: 1, skipped: 1, embedded: true });
      const failed = report.checks.find((c) => c.status === 'failed');
      expect(failed).toMatchObject({
        suite: 'plugin',
        scenario: 'broken/01-count',
        name: 'the counter says two',
        failure: {
          expectation: 'status 200, json ⊇ {"count":2}',
          request: { method: 'GET', as: 'owner' },
          differences: [{ path: 'json.count', expected: 2, got: 1 }],
          response: { status: 200, body: '{"count":1}' },
        },
      });
    }, 300_000);
  });

  describe('against a live server', () => {
    let host: HostProcess;
    const agentsUrl = () => `${host.url}/query?property=${encodeURIComponent(props.isA)}&value=${encodeURIComponent(classes.agent)}&page_size=1000`;
    const driveUrl = () => `${host.url}/query?property=${encodeURIComponent(props.parent)}&value=${encodeURIComponent(host.url)}&page_size=1000`;
    const members = async (url: string): Promise<unknown> => (await getAs(url, ownerOf(host))).body?.[props.collection.members];
    beforeAll(async () => {
      host = await startHostProcess();
    }, 60_000);
    afterAll(() => host?.dispose());

    it('leaves nothing behind, and tests an installed plugin as it is without removing it', async () => {
      const live = { ...env, ATOMIC_SERVER_URL: host.url, ATOMIC_AGENT_SECRET: host.secret };
      const installed = async () => (JSON.parse((await runCli(['list', '--json'], { env: live })).stdout) as { subject: string; version: string }[]).map((p) => `${p.subject}@${p.version}`);
      expect((await runCli(['install', 'crud', '--yes', '--json'], { env: live })).code).toBe(0);
      const before = {
        drive: await members(driveUrl()),
        agents: await members(agentsUrl()),
        writers: (await getAs(host.url, ownerOf(host))).body?.[props.write],
        plugins: await installed(),
      };

      const run = await runCli(['conformance', '--server', host.url, '--suite', 'protocol', '--suite', 'reference', '--only', 'crud', '--only', 'todo', '--json'], { env: live, timeoutMs: 300_000 });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const report = JSON.parse(run.stdout) as ConformanceReport;
      expect(report).toMatchObject({ embedded: false, server: host.url, failed: 0 });
      const crudInstall = report.checks.find((c) => c.scenario === 'crud/install');
      expect(crudInstall).toMatchObject({ status: 'skipped' });
      expect(crudInstall?.reason).toContain('left installed');
      expect(report.checks.find((c) => c.scenario === 'todo/uninstall')).toMatchObject({ status: 'passed' });

      expect(await members(driveUrl())).toEqual(before.drive);
      expect((await getAs(host.url, ownerOf(host))).body?.[props.write]).toEqual(before.writers);
      expect(await installed()).toEqual(before.plugins);
      // The second agent is gone; the only new agent is the todo plugin's, which the host keeps
      // as the signer of that plugin's commits.
      const added = ((await members(agentsUrl())) as string[]).filter((a) => !(before.agents as string[]).includes(a));
      expect(added).toHaveLength(1);
      expect((await getAs(added[0]!, ownerOf(host))).body?.[props.name]).toMatch(/^Plugin .*atomic-todo$/);
    }, 300_000);

    it('refuses a malformed fixture with FIXTURE_INVALID', async () => {
      const run = await runCli(['conformance', '--server', host.url, '--secret', host.secret, '--plugin', join(work, 'no-such-project'), '--json'], { env, timeoutMs: 120_000 });
      const error = expectCliError(run, 'FIXTURE_INVALID');
      expect(error.message).toContain('has no conformance fixtures');
    }, 120_000);
  });
});
