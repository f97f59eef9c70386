// Running one scenario: its steps in order, each a check in the report. Variables are expanded
// per step, captures feed later steps, and the first failing step skips the rest of the scenario.

import type { Commit } from '../../../server/atomic/commit.js';
import type { HttpResult } from '../http-exchange.js';
import { buildCommit, describeExpectation, judge, sendCommit, sendRequest, type Target } from './exchange.js';
import type { CommitStep, Expectation, RequestStep, ScenarioFile, Step, WaitStep } from './fixture.js';
import { valueAt, type Difference } from './match.js';
import { excerpt, type CheckFailure, type CheckLog, type RequestRecord } from './report.js';
import { expand, type Variables } from './template.js';

/** What a scenario run leaves for the caller to clean up. */
export interface ScenarioOutcome {
  passed: boolean;
  /** Subjects that commits of the scenario created or changed (besides those under `{{base}}`). */
  touched: string[];
}

/** Retries of a wait step are this far apart. */
const WAIT_INTERVAL_MS = 200;

interface Attempt {
  record: RequestRecord;
  result: HttpResult;
  differences: Difference[];
}

function failureOf(expect: Expectation | undefined, attempt: Attempt, prefix = ''): CheckFailure {
  return {
    expectation: `${prefix}${describeExpectation(expect)}`,
    request: attempt.record,
    differences: attempt.differences,
    response: { status: attempt.result.status, body: excerpt(attempt.result.text) },
  };
}

/** Stores the step's captures in `vars`; a missing value is a difference. */
function capture(step: { capture?: Record<string, string> }, result: HttpResult, vars: Record<string, unknown>): Difference[] {
  const missing: Difference[] = [];
  for (const [name, path] of Object.entries(step.capture ?? {})) {
    const value = valueAt(result.body, path);
    if (value === undefined) missing.push({ path: `capture ${name}: json.${path}`, expected: 'a value', got: undefined });
    else vars[name] = value;
  }
  return missing;
}

/**
 * Runs `file`'s steps against `target`, with `vars` (server, drive, owner, other, run, base)
 * plus what steps capture. Each step is added to `log` as a check of `suite`/`scenario`.
 */
export async function runScenario(target: Target, file: ScenarioFile, vars: Variables, log: CheckLog, where: { suite: string; scenario: string }): Promise<ScenarioOutcome> {
  const scope: Record<string, unknown> = { ...vars };
  const sent = new Map<string, Commit>();
  const touched = new Set<string>();
  const steps = file.scenario.steps;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const ok = await log.run({ ...where, name: step.name }, () => runStep(target, step, scope, sent, touched));
    if (!ok) {
      for (const rest of steps.slice(i + 1)) log.skip({ ...where, name: rest.name }, `an earlier step failed: ${step.name}`);
      return { passed: false, touched: [...touched] };
    }
  }
  return { passed: true, touched: [...touched] };
}

async function runStep(target: Target, step: Step, vars: Record<string, unknown>, sent: Map<string, Commit>, touched: Set<string>): Promise<CheckFailure | void> {
  if ('wait' in step) return runWait(target, step, vars);
  if ('commit' in step) return runCommit(target, step, vars, sent, touched);
  return runRequest(target, step, vars);
}

async function attemptRequest(target: Target, step: Omit<RequestStep, 'name'>, vars: Record<string, unknown>): Promise<Attempt> {
  const spec = expand(step.request, vars);
  const expect = expand(step.expect, vars);
  const { record, result } = await sendRequest(target, spec);
  return { record, result, differences: judge(expect, result) };
}

async function runRequest(target: Target, step: RequestStep, vars: Record<string, unknown>): Promise<CheckFailure | void> {
  const attempt = await attemptRequest(target, step, vars);
  if (attempt.differences.length === 0) attempt.differences = capture(step, attempt.result, vars);
  if (attempt.differences.length > 0) return failureOf(expand(step.expect, vars), attempt);
}

async function runCommit(target: Target, step: CommitStep, vars: Record<string, unknown>, sent: Map<string, Commit>, touched: Set<string>): Promise<CheckFailure | void> {
  const spec = expand(step.commit, vars);
  const expect = expand(step.expect, vars) ?? { status: 200 };
  let commit: Commit;
  if (spec.resend !== undefined) {
    const earlier = sent.get(spec.resend);
    if (!earlier) throw new RangeError(`resend: no earlier commit step is named "${spec.resend}"`);
    commit = earlier;
  } else {
    commit = buildCommit(target, spec);
  }
  sent.set(step.name, commit);
  const { record, result } = await sendCommit(target, commit, spec.as ?? 'owner');
  if (result.status === 200 && !commit.destroy) touched.add(commit.subject);
  const attempt: Attempt = { record, result, differences: judge(expect, result) };
  if (attempt.differences.length === 0) attempt.differences = capture(step, result, vars);
  if (attempt.differences.length > 0) return failureOf(expect, attempt);
}

async function runWait(target: Target, step: WaitStep, vars: Record<string, unknown>): Promise<CheckFailure | void> {
  const timeoutMs = step.wait.timeoutMs ?? 5_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const attempt = await attemptRequest(target, step.wait.until, vars);
    if (attempt.differences.length === 0) {
      attempt.differences = capture(step.wait.until, attempt.result, vars);
      if (attempt.differences.length === 0) return;
    }
    if (Date.now() >= deadline) return failureOf(expand(step.wait.until.expect, vars), attempt, `within ${timeoutMs} ms: `);
    await new Promise((r) => setTimeout(r, WAIT_INTERVAL_MS));
  }
}
