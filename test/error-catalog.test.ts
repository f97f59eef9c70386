// The error catalogs, the codes used in the code and docs/errors.md must agree.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorCatalog } from '../server/atomic/errors.js';
import { cliErrorCatalog } from '../cli/lib/errors.js';
import { pluginCallErrors, pluginLoadErrors } from '../server/plugins/runtimes/runtime.js';
import { repoRoot } from './support/host-process.js';

const docs = readFileSync(join(repoRoot, 'docs', 'errors.md'), 'utf8');
const documented = new Map([...docs.matchAll(/^\| `([A-Z_]+)` \| (\d+ \| )?/gm)].map((m) => [m[1]!, m[2] ? Number(m[2].slice(0, -3)) : undefined]));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

describe('error catalog', () => {
  it('documents every server code with its status', () => {
    for (const [code, { status }] of Object.entries(errorCatalog)) expect(documented.get(code), code).toBe(status);
  });

  it('documents every CLI code', () => {
    for (const code of Object.keys(cliErrorCatalog)) expect(documented.has(code), code).toBe(true);
  });

  it('documents every plugin sandbox code', () => {
    for (const code of [...Object.keys(pluginCallErrors), ...Object.keys(pluginLoadErrors)]) expect(documented.has(code), code).toBe(true);
  });

  it('documents no code that does not exist', () => {
    const known = new Set([...Object.keys(errorCatalog), ...Object.keys(cliErrorCatalog), ...Object.keys(pluginCallErrors), ...Object.keys(pluginLoadErrors)]);
    for (const code of documented.keys()) expect(known.has(code), code).toBe(true);
  });

  it('gives server codes 4xx statuses for client mistakes, 502/504 for failing plugins and 500 only to INTERNAL', () => {
    const gateway: Record<string, number> = { PLUGIN_FAILED: 502, PLUGIN_TIMEOUT: 504 };
    for (const [code, { status }] of Object.entries(errorCatalog)) {
      if (code === 'INTERNAL') expect(status).toBe(500);
      else if (code in gateway) expect(status).toBe(gateway[code]);
      else expect(status >= 400 && status < 500, code).toBe(true);
    }
  });

  it('uses every catalogued server code somewhere in the code', () => {
    const code = [...sources(join(repoRoot, 'server')), ...sources(join(repoRoot, 'cli'))].map((f) => readFileSync(f, 'utf8')).join('\n');
    for (const name of Object.keys(errorCatalog)) expect(code.includes(`'${name}'`), name).toBe(true);
  });
});
