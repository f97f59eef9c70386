// What a conformance run reports: one result per check (a scenario's step, or a step of a suite's
// own setup such as installing a plugin), grouped by suite. Every reporter prints this.

import type { AgentRole } from './fixture.js';
import type { Difference } from './match.js';

export type CheckStatus = 'passed' | 'failed' | 'skipped';

/** The request a check made, as a person would need it to reproduce the failure. */
export interface RequestRecord {
  method: string;
  url: string;
  as: AgentRole;
  /** The body sent, at most 2,000 characters. */
  body?: string;
}

/** Why a check failed: the expectation, the request, and where the answer differs. */
export interface CheckFailure {
  /** What was expected, in words: `status 200, json ⊇ {"versions":[...]}`. */
  expectation: string;
  request?: RequestRecord;
  differences: Difference[];
  /** What came back: the status and the body, at most 2,000 characters. */
  response?: { status: number; body: string };
}

/** One check. */
export interface CheckResult {
  /** `protocol`, `abi`, `reference`, `plugin`. */
  suite: string;
  /** The group inside the suite: `sparql/select`, `abi/setup`... */
  scenario: string;
  name: string;
  status: CheckStatus;
  durationMs: number;
  failure?: CheckFailure;
  /** Why a check was skipped. */
  reason?: string;
}

/** A whole run: the `--json` output of `atomic-plugin conformance`. */
export interface ConformanceReport {
  server: string;
  /** True when the run started its own server. */
  embedded: boolean;
  startedAt: string;
  durationMs: number;
  passed: number;
  failed: number;
  skipped: number;
  checks: CheckResult[];
}

/** Text at most `max` characters long, marked when cut. */
export function excerpt(text: string, max = 2_000): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
}

/** JSON on one line for messages, cut at `max` characters. */
export function compactJson(value: unknown, max = 300): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Collects checks as they finish and tells a listener (the pretty reporter's progress). */
export class CheckLog {
  readonly checks: CheckResult[] = [];

  constructor(private readonly listener: (check: CheckResult) => void = () => undefined) {}

  add(check: CheckResult): CheckResult {
    this.checks.push(check);
    this.listener(check);
    return check;
  }

  /** Runs `fn` as one check: passed when it returns, failed with its failure when it throws one. */
  async run(where: Pick<CheckResult, 'suite' | 'scenario' | 'name'>, fn: () => Promise<CheckFailure | void>): Promise<boolean> {
    const started = performance.now();
    let failure: CheckFailure | void;
    try {
      failure = await fn();
    } catch (error) {
      failure = { expectation: where.name, differences: [{ path: 'error', expected: 'none', got: (error as Error).message ?? String(error) }] };
    }
    const durationMs = Math.round(performance.now() - started);
    this.add({ ...where, status: failure ? 'failed' : 'passed', durationMs, ...(failure ? { failure } : {}) });
    return !failure;
  }

  skip(where: Pick<CheckResult, 'suite' | 'scenario' | 'name'>, reason: string): void {
    this.add({ ...where, status: 'skipped', durationMs: 0, reason });
  }
}
