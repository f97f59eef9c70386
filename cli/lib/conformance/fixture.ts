// The conformance fixture format (docs/conformance/README.md): one JSON file per scenario, its
// steps (requests, signed commits, waits) with what each expects. Files are read in file-name
// order and checked against the published JSON Schema (docs/conformance/fixture.schema.json)
// before anything runs, so a malformed fixture is reported as such, never as a failing server.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { packageRoot } from '../assemblyscript.js';
import { CliError } from '../errors.js';

/** Who a step acts as: the drive's owner, a second agent without rights, or nobody (unsigned). */
export type AgentRole = 'owner' | 'other' | 'anonymous';

/** An HTTP request to the server. */
export interface RequestSpec {
  as?: AgentRole;
  method?: string;
  /** Relative to the server, or a URL on it. */
  path: string;
  headers?: Record<string, string>;
  /** A string is sent as is, any other JSON value as application/json. */
  body?: unknown;
}

/** A signed Commit posted to /commit, or the replay of an earlier step's one (`resend`). */
export interface CommitSpec {
  as?: 'owner' | 'other';
  subject?: string;
  set?: Record<string, unknown>;
  remove?: string[];
  push?: Record<string, unknown[]>;
  destroy?: boolean;
  createdAtOffsetMs?: number;
  tamper?: boolean;
  resend?: string;
}

/** What a response must be like. Without `status`, any 2xx passes. */
export interface Expectation {
  status?: number | number[];
  headers?: Record<string, string>;
  json?: unknown;
  bodyContains?: string | string[];
  bodyNotContains?: string | string[];
}

interface StepBase {
  name: string;
  expect?: Expectation;
  capture?: Record<string, string>;
}

export interface RequestStep extends StepBase {
  request: RequestSpec;
}

export interface CommitStep extends StepBase {
  commit: CommitSpec;
}

export interface WaitStep {
  name: string;
  wait: { until: Omit<RequestStep, 'name'>; timeoutMs?: number };
}

export type Step = RequestStep | CommitStep | WaitStep;

/** One fixture file's content. */
export interface Scenario {
  description: string;
  config?: Record<string, unknown>;
  steps: Step[];
}

/** A scenario and where it was read from. */
export interface ScenarioFile {
  /** The file name without `.json`: the scenario's name in reports. */
  name: string;
  path: string;
  scenario: Scenario;
}

/** The built-in suites' scenarios: fixtures/conformance-suites/<suite>/*.json. */
export const SUITE_FIXTURES_DIR = join(packageRoot, 'fixtures', 'conformance-suites');

/** The reference plugins' scenarios: fixtures/conformance/<short name>/*.json. */
export const REFERENCE_FIXTURES_DIR = join(packageRoot, 'fixtures', 'conformance');

/** The published schema of a fixture file. */
export const FIXTURE_SCHEMA_PATH = join(packageRoot, 'docs', 'conformance', 'fixture.schema.json');

type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
let validator: Validator | undefined;

function validate(data: unknown): ErrorObject[] {
  validator ??= new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(FIXTURE_SCHEMA_PATH, 'utf8')) as object);
  return validator(data) ? [] : (validator.errors ?? []);
}

/**
 * The schema errors as lines, most specific first. A step matches none of the three kinds when
 * anything in it is wrong, so Ajv reports every branch: the branch's own messages say what is.
 */
function explain(errors: ErrorObject[]): string[] {
  const lines = errors
    .filter((e) => e.keyword !== 'oneOf' || errors.length === 1)
    .map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.keyword === 'additionalProperties' ? `: ${String((e.params as { additionalProperty?: string }).additionalProperty)}` : ''}`);
  return [...new Set(lines)].slice(0, 8);
}

/** Reads and checks one fixture file; FIXTURE_INVALID says what is wrong where. */
export function readScenario(path: string): ScenarioFile {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError('FIXTURE_INVALID', `${path} is not JSON: ${(error as Error).message}`, ['fix the file; docs/conformance/README.md describes the format']);
  }
  const errors = validate(data);
  if (errors.length > 0) {
    throw new CliError('FIXTURE_INVALID', `${path} is not a conformance scenario:\n  ${explain(errors).join('\n  ')}`, [
      `check it against ${FIXTURE_SCHEMA_PATH} (docs/conformance/README.md describes the format)`,
    ]);
  }
  return { name: basename(path, '.json'), path, scenario: data as Scenario };
}

/** The `*.json` files in `dir`, in file-name order, each checked; none when there is no such folder. */
export function readScenarios(dir: string): ScenarioFile[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => readScenario(join(dir, f)));
}
