// A whole conformance run: the server (given, or embedded and started here), a second agent, the
// suites in order (protocol, abi, reference plugins, or a plugin project's own fixtures), and at
// the end a check that the server holds no resource and no plugin it did not hold before.

import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createAgentIdentity, type AgentIdentity } from '../../../server/atomic/agent.js';
import { signCommit } from '../../../server/atomic/commit.js';
import { props } from '../../../server/atomic/urls.js';
import { registerAgent } from '../agents.js';
import { CliError } from '../errors.js';
import { getAs, postSignedCommit } from '../http-exchange.js';
import { listInstallations } from '../installations.js';
import { referencePluginId } from '../reference-plugins.js';
import { runAbiSuite } from './abi-suite.js';
import { startEmbeddedServer, type EmbeddedServer } from './embedded-server.js';
import type { Target } from './exchange.js';
import { readScenarios, REFERENCE_FIXTURES_DIR, SUITE_FIXTURES_DIR } from './fixture.js';
import { runPluginSuite } from './plugin-suite.js';
import { CheckLog, type CheckResult, type ConformanceReport } from './report.js';
import { runInBase, type RunContext } from './suite-context.js';
import { childrenOf } from './workspace.js';

/** The suites, in the order they run. */
export const SUITE_NAMES = ['protocol', 'abi', 'reference', 'plugin'] as const;
export type SuiteName = (typeof SUITE_NAMES)[number];

/** Options of {@link runConformance}. */
export interface ConformanceOptions {
  /** A live server and an agent with write rights on its drive; without one, an embedded server is started. */
  server?: { url: string; agent: AgentIdentity };
  /** A plugin project folder whose fixtures/conformance/*.json run in the `plugin` suite. */
  plugin?: string;
  /** Which suites; by default protocol, abi and reference, or only plugin with `plugin`. */
  suites?: readonly SuiteName[];
  /** Only these reference plugins (short names); all with fixtures by default. */
  only?: readonly string[];
  progress: (line: string) => void;
  /** Hears each check as it finishes. */
  onCheck?: (check: CheckResult) => void;
}

/** The suites a run does when none are named. */
export function defaultSuites(plugin: string | undefined): SuiteName[] {
  return plugin ? ['plugin'] : ['protocol', 'abi', 'reference'];
}

/** The reference plugins that have fixtures, by short name. */
export function referenceFixtureNames(dir = REFERENCE_FIXTURES_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => statSync(join(dir, name)).isDirectory()).sort();
}

/** What is on the server before the run, to find what it left behind. */
interface Inventory {
  driveChildren: string[];
  plugins: string[];
  /** The drive's rights lists, by property. */
  driveRights: Record<string, unknown>;
}

async function inventory(target: Target): Promise<Inventory> {
  const plugins = await listInstallations(target.serverUrl, target.owner);
  const drive = (await getAs(target.serverUrl, target.owner)).body ?? {};
  const driveRights = Object.fromEntries([props.read, props.write, props.append].map((p) => [p, drive[p]]));
  return { driveChildren: await childrenOf(target, target.serverUrl), plugins: plugins.map((p) => p.subject), driveRights };
}

async function runReferenceSuite(context: RunContext, only: readonly string[] | undefined): Promise<void> {
  for (const name of referenceFixtureNames()) {
    if (only && !only.includes(name)) continue;
    const scenarios = readScenarios(join(REFERENCE_FIXTURES_DIR, name));
    const pluginId = referencePluginId(name);
    if (!pluginId) {
      await context.log.run({ suite: 'reference', scenario: `${name}/install`, name: `the reference plugin ${name} is built` }, async () => ({
        expectation: `dist/plugins/index.json lists ${name}`,
        differences: [{ path: 'reference plugins', expected: name, got: 'not built: run `npm run build`' }],
      }));
      continue;
    }
    await runPluginSuite(context, 'reference', { label: name, source: name, pluginId, scenarios });
  }
}

async function runProjectSuite(context: RunContext, project: string): Promise<void> {
  const dir = resolve(project);
  const scenarios = readScenarios(join(dir, 'fixtures', 'conformance'));
  if (scenarios.length === 0) {
    throw new CliError('FIXTURE_INVALID', `${dir} has no conformance fixtures: fixtures/conformance/*.json is empty or missing`, [
      'add a scenario file; `atomic-plugin new` scaffolds one, and docs/conformance/README.md describes the format',
    ]);
  }
  await runPluginSuite(context, 'plugin', { label: dir.split(/[\\/]/).pop() ?? dir, source: dir, scenarios });
}

/** The second agent (`other`): registered for the run, removed after it. */
async function registerOther(serverUrl: string): Promise<AgentIdentity> {
  const other = createAgentIdentity(serverUrl);
  await registerAgent(serverUrl, other, 'conformance: another agent');
  return other;
}

async function suitesAndLeftovers(context: RunContext, suites: readonly SuiteName[], options: ConformanceOptions): Promise<void> {
  const before = await inventory(context.target);
  for (const suite of suites) {
    if (suite === 'protocol') for (const file of readScenarios(join(SUITE_FIXTURES_DIR, 'protocol'))) await runInBase(context, 'protocol', 'protocol', file);
    if (suite === 'abi') await runAbiSuite(context);
    if (suite === 'reference') await runReferenceSuite(context, options.only);
    if (suite === 'plugin') {
      if (!options.plugin) throw new CliError('INVALID_INPUT', 'The plugin suite needs a plugin project', ['give it with --plugin <path>']);
      await runProjectSuite(context, options.plugin);
    }
  }
  const { target } = context;
  await context.log.run({ suite: 'run', scenario: 'cleanup', name: 'the server holds no resource or plugin the run made' }, async () => {
    const destroyed = await postSignedCommit(target.serverUrl, signCommit({ subject: target.other.subject, destroy: true }, target.other));
    const after = await inventory(target);
    const differences = [];
    const newChildren = after.driveChildren.filter((s) => !before.driveChildren.includes(s));
    const newPlugins = after.plugins.filter((s) => !before.plugins.includes(s));
    if (newChildren.length > 0) differences.push({ path: 'drive children', expected: [], got: newChildren });
    if (newPlugins.length > 0) differences.push({ path: 'plugins', expected: [], got: newPlugins });
    for (const [property, value] of Object.entries(after.driveRights)) {
      if (JSON.stringify(value) !== JSON.stringify(before.driveRights[property])) differences.push({ path: `the drive's ${property}`, expected: before.driveRights[property], got: value });
    }
    const otherLeft = await getAs(target.other.subject, target.owner);
    if (otherLeft.status !== 404) differences.push({ path: `the second agent ${target.other.subject}`, expected: 404, got: `${otherLeft.status} (destroy answered ${destroyed.status})` });
    if (differences.length > 0) return { expectation: 'only what was there before the run', differences };
  });
}

/** Runs the suites and reports every check. The embedded server, if started, is stopped after. */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const suites = options.suites && options.suites.length > 0 ? options.suites : defaultSuites(options.plugin);
  let embedded: EmbeddedServer | undefined;
  if (!options.server) {
    options.progress('Starting an embedded server…');
    embedded = await startEmbeddedServer((line) => options.progress(`  server: ${line}`));
  }
  const log = new CheckLog(options.onCheck);
  const serverUrl = options.server?.url ?? embedded!.url;
  try {
    const owner = options.server?.agent ?? embedded!.owner;
    options.progress(`Testing ${serverUrl} as ${owner.subject}`);
    const other = await registerOther(serverUrl);
    let bases = 0;
    const context: RunContext = {
      target: { serverUrl, owner, other },
      log,
      run: randomBytes(3).toString('hex'),
      progress: options.progress,
      nextBase: () => ++bases,
    };
    await suitesAndLeftovers(context, suites, options);
  } finally {
    await embedded?.stop();
  }
  const count = (status: CheckResult['status']) => log.checks.filter((c) => c.status === status).length;
  return {
    server: serverUrl,
    embedded: embedded !== undefined,
    startedAt,
    durationMs: Math.round(performance.now() - started),
    passed: count('passed'),
    failed: count('failed'),
    skipped: count('skipped'),
    checks: log.checks,
  };
}
