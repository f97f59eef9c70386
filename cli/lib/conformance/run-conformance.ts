// A whole conformance run: the server (given, or embedded and started here), a second agent, the
// suites in order (protocol, abi, reference plugins, or a plugin project's own fixtures), and at
// the end a check that the server holds no resource and no plugin it did not hold before.

import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { createAgentIdentity, type AgentIdentity } from '../../../server/atomic/agent.js';
import { signCommit } from '../../../server/atomic/commit.js';
import { props } from '../../../server/atomic/urls.js';
import { registerAgent } from '../agents.js';
import { CliError } from '../errors.js';
import { getAs, postSignedCommit } from '../http-exchange.js';
import { listInstallations } from '../installations.js';
import { packNames } from '../pack.js';
import { referencePluginId } from '../reference-plugins.js';
import { runAbiSuite } from './abi-suite.js';
import { startEmbeddedServer, type EmbeddedServer } from './embedded-server.js';
import type { Target } from './exchange.js';
import { readScenarios, REFERENCE_FIXTURES_DIR, SUITE_FIXTURES_DIR, type ScenarioFile } from './fixture.js';
import { installForRun, runPluginSuite, uninstallForRun, type Installed } from './plugin-suite.js';
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

/** Every scenario a run needs, read and checked against the schema before any server is touched. */
interface Plan {
  suites: readonly SuiteName[];
  protocol: ScenarioFile[];
  abi: ScenarioFile[];
  reference: { name: string; scenarios: ScenarioFile[] }[];
  project?: { dir: string; scenarios: ScenarioFile[] };
}

/** Reads the scenarios of the chosen suites; FIXTURE_INVALID or INVALID_INPUT before anything runs. */
export function planRun(options: Pick<ConformanceOptions, 'suites' | 'plugin' | 'only'>): Plan {
  const suites = options.suites && options.suites.length > 0 ? options.suites : defaultSuites(options.plugin);
  const names = referenceFixtureNames();
  const unknown = (options.only ?? []).filter((name) => !names.includes(name));
  if (unknown.length > 0) {
    throw new CliError('INVALID_INPUT', `--only names ${unknown.join(', ')}, which has no fixtures in ${REFERENCE_FIXTURES_DIR}`, [`name some of: ${names.join(', ')}`]);
  }
  const plan: Plan = {
    suites,
    protocol: suites.includes('protocol') ? readScenarios(join(SUITE_FIXTURES_DIR, 'protocol')) : [],
    abi: suites.includes('abi') ? readScenarios(join(SUITE_FIXTURES_DIR, 'abi')) : [],
    reference: suites.includes('reference')
      ? names.filter((name) => !options.only || options.only.includes(name)).map((name) => ({ name, scenarios: readScenarios(join(REFERENCE_FIXTURES_DIR, name)) }))
      : [],
  };
  if (suites.includes('plugin')) {
    if (!options.plugin) throw new CliError('INVALID_INPUT', 'The plugin suite needs a plugin project', ['give it with --plugin <path>']);
    const dir = resolve(options.plugin);
    const scenarios = readScenarios(join(dir, 'fixtures', 'conformance'));
    if (scenarios.length === 0) {
      throw new CliError('FIXTURE_INVALID', `${dir} has no conformance fixtures: fixtures/conformance/*.json is empty or missing`, [
        'add a scenario file; `atomic-plugin new` scaffolds one, and docs/conformance/README.md describes the format',
      ]);
    }
    plan.project = { dir, scenarios };
  }
  return plan;
}

async function runReferenceSuite(context: RunContext, plugins: Plan['reference']): Promise<void> {
  for (const { name, scenarios } of plugins) {
    const pluginId = referencePluginId(name);
    if (!pluginId) {
      await context.log.run({ suite: 'reference', scenario: `${name}/install`, name: `the reference plugin ${name} is built` }, async () => ({
        expectation: `dist/plugins/index.json lists ${name}`,
        differences: [{ path: 'reference plugins', expected: name, got: 'not built: run `npm run build`' }],
      }));
      continue;
    }
    // What it requires goes in first (the host refuses it otherwise) and comes out after it.
    const requirements: [string, Installed | undefined][] = [];
    try {
      for (const required of packNames(undefined, [name]).slice(0, -1)) {
        const label = `${required} (for ${name})`;
        requirements.push([label, await installForRun(context, 'reference', { label, source: required, ...optionalId(referencePluginId(required)) })]);
      }
      await runPluginSuite(context, 'reference', { label: name, source: name, pluginId, scenarios });
    } finally {
      for (const [label, installed] of requirements.reverse()) if (installed) await uninstallForRun(context, 'reference', label, installed);
    }
  }
}

const optionalId = (pluginId: string | undefined): { pluginId?: string } => (pluginId ? { pluginId } : {});

/** The second agent (`other`): registered for the run, removed after it. */
async function registerOther(serverUrl: string): Promise<AgentIdentity> {
  const other = createAgentIdentity(serverUrl);
  await registerAgent(serverUrl, other, 'conformance: another agent');
  return other;
}

async function suitesAndLeftovers(context: RunContext, plan: Plan): Promise<void> {
  const before = await inventory(context.target);
  for (const suite of plan.suites) {
    if (suite === 'protocol') for (const file of plan.protocol) await runInBase(context, 'protocol', 'protocol', file);
    if (suite === 'abi') await runAbiSuite(context, plan.abi);
    if (suite === 'reference') await runReferenceSuite(context, plan.reference);
    if (suite === 'plugin' && plan.project) {
      const { dir, scenarios } = plan.project;
      await runPluginSuite(context, 'plugin', { label: basename(dir), source: dir, scenarios });
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
  const plan = planRun(options);
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
    await suitesAndLeftovers(context, plan);
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
