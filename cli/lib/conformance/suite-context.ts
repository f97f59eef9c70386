// What every suite of a conformance run shares: the target, the report being written, the run's
// variables, and running a scenario in a fresh `{{base}}` that is destroyed after it (a check of
// its own: "leaves nothing behind").

import type { Target } from './exchange.js';
import type { ScenarioFile } from './fixture.js';
import type { CheckLog } from './report.js';
import { runScenario } from './scenario-runner.js';
import type { Variables } from './template.js';
import { createBase, destroyAll } from './workspace.js';

/** A conformance run in progress. */
export interface RunContext {
  target: Target;
  log: CheckLog;
  /** A short id unique to this run: `{{run}}`, and part of every subject the run makes. */
  run: string;
  progress: (line: string) => void;
  /** Numbers the bases of the run's scenarios. */
  nextBase(): number;
}

/** The variables every scenario sees: server, drive, owner, other, run. */
export function runVariables(context: RunContext): Record<string, string> {
  const { target, run } = context;
  return { server: target.serverUrl, drive: target.serverUrl, owner: target.owner.subject, other: target.other.subject, run };
}

/**
 * Runs one scenario in a fresh base with `extra` variables, then destroys what it made and checks
 * that nothing is left. Answers whether every check passed.
 */
export async function runInBase(context: RunContext, suite: string, group: string, file: ScenarioFile, extra: Variables = {}): Promise<boolean> {
  const scenario = `${group}/${file.name}`;
  const base = `${context.target.serverUrl}/conformance-${context.run}-${context.nextBase()}`;
  context.progress(`${suite} ${scenario}: ${file.scenario.description}`);
  const made = await context.log.run({ suite, scenario, name: 'a fresh base resource for the scenario' }, () => createBase(context.target, base, `conformance ${scenario}`));
  if (!made) return false;
  const outcome = await runScenario(context.target, file, { ...runVariables(context), ...extra, base }, context.log, { suite, scenario });
  const clean = await context.log.run({ suite, scenario, name: 'everything the scenario made is destroyed' }, async () => {
    const left = await destroyAll(context.target, [base], outcome.touched);
    if (left.length > 0) return { expectation: 'no resource of the scenario is left', differences: [{ path: 'left', expected: [], got: left }] };
  });
  return outcome.passed && clean;
}
