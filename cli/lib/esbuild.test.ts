// The cached esbuild bundling of js plugins: a bundle the js runtime loads, reused while its
// sources are unchanged and rebuilt when any file esbuild read changes.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allowedHostFunctionsFor } from '../../server/plugins/permissions.js';
import { createJsRuntime } from '../../server/plugins/runtimes/js/index.js';
import { bundlePlugin } from './esbuild.js';

const dir = mkdtempSync(join(tmpdir(), 'esbuild-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bundlePlugin', () => {
  it('bundles TypeScript modules into one CommonJS script whose exports the js runtime finds', async () => {
    writeFileSync(join(dir, 'greeting.ts'), "export const greeting = (name: string): string => `héllo ${name}`;\n");
    writeFileSync(join(dir, 'index.ts'), "import { greeting } from './greeting.js';\nexport function greet(): number { Host.outputString(greeting(Host.inputString())); return 0; }\nexport function other(): void {}\n");
    const first = await bundlePlugin(dir, 'index.ts');
    expect(first.cached).toBe(false);
    const runtime = createJsRuntime();
    const prepared = await runtime.prepare!(first.script, { memoryMb: 16, allowedHostFunctions: allowedHostFunctionsFor([]) });
    expect([...prepared.exports].sort()).toEqual(['greet', 'other']);
    const plugin = await runtime.instantiate(prepared, { hostFunctions: {}, limits: { timeoutMs: 1000, fuel: null, memoryMb: 16 } });
    try {
      expect(new TextDecoder().decode(await plugin.call('greet', new TextEncoder().encode('wörld')))).toBe('héllo wörld');
    } finally {
      await plugin.close();
    }
  });

  it('reuses a build while no source changed, and rebuilds when an imported file changes', async () => {
    const again = await bundlePlugin(dir, 'index.ts');
    expect(again.cached).toBe(true);
    writeFileSync(join(dir, 'greeting.ts'), "export const greeting = (name: string): string => `hoi ${name}`;\n");
    const changed = await bundlePlugin(dir, 'index.ts');
    expect(changed.cached).toBe(false);
    expect(new TextDecoder().decode(changed.script)).toContain('hoi');
  });

  it('embeds text files and browser bundles, and rebuilds when a file a browser bundle imports changes', async () => {
    writeFileSync(join(dir, 'page.html'), '<!doctype html><title>héllo</title>\n');
    writeFileSync(join(dir, 'shout.ts'), 'export const shout = (s: string): string => s.toUpperCase();\n');
    writeFileSync(join(dir, 'app.ts'), "import { shout } from './shout.js';\ndocument.title = shout('page');\n");
    writeFileSync(join(dir, 'web.ts'), "import page from './page.html';\nimport app from './app.ts?browser';\nexport function get(): number { Host.outputString(Host.inputString() === 'page' ? page : app); return 0; }\n");
    const first = await bundlePlugin(dir, 'web.ts');
    const call = async (script: Uint8Array, what: string): Promise<string> => {
      const runtime = createJsRuntime();
      const prepared = await runtime.prepare!(script, { memoryMb: 16, allowedHostFunctions: allowedHostFunctionsFor([]) });
      const plugin = await runtime.instantiate(prepared, { hostFunctions: {}, limits: { timeoutMs: 1000, fuel: null, memoryMb: 16 } });
      try {
        return new TextDecoder().decode(await plugin.call('get', new TextEncoder().encode(what)));
      } finally {
        await plugin.close();
      }
    };
    expect(await call(first.script, 'page')).toBe('<!doctype html><title>héllo</title>\n');
    const app = await call(first.script, 'app');
    // One self-contained script for a page: the imported module is inlined, nothing is left to load.
    expect(app).toContain('toUpperCase');
    expect(app).not.toMatch(/\bimport\b|\brequire\(/);
    expect((await bundlePlugin(dir, 'web.ts')).cached).toBe(true);
    writeFileSync(join(dir, 'shout.ts'), 'export const shout = (s: string): string => `${s}!`;\n');
    const changed = await bundlePlugin(dir, 'web.ts');
    expect(changed.cached).toBe(false);
    expect(await call(changed.script, 'app')).not.toContain('toUpperCase');
  });

  it('reports an error in browser code at its file and line', async () => {
    writeFileSync(join(dir, 'bad-app.ts'), 'const x: number = ;\n');
    writeFileSync(join(dir, 'bad-web.ts'), "import app from './bad-app.ts?browser';\nexport function get(): number { Host.outputString(app); return 0; }\n");
    await expect(bundlePlugin(dir, 'bad-web.ts')).rejects.toMatchObject({ errors: [expect.objectContaining({ location: expect.objectContaining({ file: expect.stringContaining('bad-app.ts'), line: 1 }) })] });
  });

  it('reports what esbuild could not build', async () => {
    writeFileSync(join(dir, 'broken.ts'), 'export function f( {\n');
    await expect(bundlePlugin(dir, 'broken.ts')).rejects.toThrow(/broken\.ts/);
  });
});
