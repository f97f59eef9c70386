// Every conformance fixture in the repository (the kit's suites, the reference plugins', the
// templates' starters, the test projects') is a valid scenario of the published schema, and
// malformed ones are refused with FIXTURE_INVALID naming the problem.

import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../assemblyscript.js';
import { CliError } from '../errors.js';
import { readScenario } from './fixture.js';

/** Every JSON file below `dir` in a fixtures/conformance or fixtures/conformance-suites folder, except under node_modules and dist. */
function fixtureFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' || name === 'dist' || name.startsWith('.') ? [] : fixtureFiles(path);
    return name.endsWith('.json') && /[\\/]fixtures[\\/]conformance(-suites)?[\\/]/.test(path) ? [path] : [];
  });
}

const files = [...fixtureFiles(join(packageRoot, 'fixtures')), ...fixtureFiles(join(packageRoot, 'templates'))];

describe('conformance fixtures', () => {
  it('finds the fixtures of the suites, the reference plugins and the templates', () => {
    const relative = files.map((f) => f.slice(packageRoot.length));
    for (const folder of ['fixtures/conformance-suites/protocol/', 'fixtures/conformance-suites/abi/', 'fixtures/conformance/crud/', 'fixtures/conformance/sparql/', 'fixtures/conformance/todo/', 'templates/common/']) {
      expect(relative.some((f) => f.includes(folder)), folder).toBe(true);
    }
  });

  it.each(files.map((f) => [f.slice(packageRoot.length), f]))('%s is a valid scenario', (_name, path) => {
    const { scenario } = readScenario(path);
    expect(scenario.steps.length).toBeGreaterThan(0);
  });

  describe('malformed ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conformance-fixture-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const refusal = (content: string): CliError => {
      const path = join(dir, 'bad.json');
      writeFileSync(path, content);
      try {
        readScenario(path);
      } catch (error) {
        if (error instanceof CliError) return error;
        throw error;
      }
      throw new Error('accepted');
    };

    it.each([
      ['not JSON', '{"description": ', /not JSON/],
      ['no steps', '{"description": "x", "steps": []}', /steps/],
      ['a step of no kind', '{"description": "x", "steps": [{"name": "a"}]}', /steps\/0/],
      ['an unknown agent', '{"description": "x", "steps": [{"name": "a", "request": {"path": "/", "as": "root"}}]}', /as/],
      ['a misspelt expectation', '{"description": "x", "steps": [{"name": "a", "request": {"path": "/"}, "expect": {"stauts": 200}}]}', /stauts/],
      ['a resend with changes', '{"description": "x", "steps": [{"name": "a", "commit": {"resend": "b", "set": {}}}]}', /steps\/0/],
    ])('%s is FIXTURE_INVALID', (_what, content, message) => {
      const error = refusal(content);
      expect(error.code).toBe('FIXTURE_INVALID');
      expect(error.message).toMatch(message);
    });
  });
});
