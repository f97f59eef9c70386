// The parts of `new` that turn flags into a project: hook and permission lists, names, the
// dependency on atomic-plugin, and the manifest each hook contributes (checked by the server's parser).

import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../server/plugins/manifest.js';
import { assignConfig } from './plugin-config.js';
import { atomicPluginDependency, checkSlug, parseHooks, parsePermissions, scaffoldHooks } from './scaffold.js';

describe('new', () => {
  it('reads --hooks as a comma list in a stable order and refuses unknown hooks', () => {
    expect(parseHooks(['schedule,endpoint', 'after-commit'])).toEqual(['endpoint', 'after-commit', 'schedule']);
    expect(() => parseHooks(['endpoints'])).toThrow(/Unknown hook endpoints/);
  });

  it('reads --permission name:reason and asks for a reason', () => {
    expect(parsePermissions(['read: Reads notes: all of them.'])).toEqual([{ name: 'read', reason: 'Reads notes: all of them.' }]);
    expect(() => parsePermissions(['read'])).toThrow(/needs a reason/);
    expect(() => parsePermissions(['fly:why not'])).toThrow(/Unknown permission "fly"/);
  });

  it('accepts slugs only as names', () => {
    expect(checkSlug('hello-world')).toBe(true);
    expect(checkSlug('Hello')).toMatch(/lowercase/);
    expect(checkSlug('a--b')).toMatch(/single dashes/);
  });

  it('depends on atomic-plugin by version from the registry, by file: link from a clone', () => {
    expect(atomicPluginDependency('0.1.0', '/app/node_modules/atomic-plugin')).toBe('^0.1.0');
    expect(atomicPluginDependency('0.1.0', '/home/me/atomic-plugin')).toBe('file:/home/me/atomic-plugin');
  });

  it.each(['wasm', 'js', 'process'] as const)('offers every hook the manifest has, for %s', async (runtime) => {
    const { scaffoldManifest } = await import('./scaffold.js');
    const spec = JSON.parse((await import('node:fs')).readFileSync(new URL(`../../templates/${runtime}/template.json`, import.meta.url), 'utf8'));
    const manifest = scaffoldManifest({ name: 'all', namespace: 'acme', description: 'All hooks.', runtime, hooks: [...scaffoldHooks], permissions: [] }, spec);
    const parsed = parseManifest(manifest);
    expect(parsed.runtime).toBe(runtime);
    expect(Object.keys(parsed.hooks).sort()).toEqual(['afterCommit', 'beforeCommit', 'endpoints', 'onResourceGet', 'pluginEvents', 'schedules']);
  });
});

describe('config set key=value', () => {
  it('reads values as JSON when they parse, else as text, and reaches into objects with dots', () => {
    expect(assignConfig({ a: 1, n: { x: 1 } }, ['greeting=Hoi', 'limit=5', 'on=true', 'n.y="2"', 'list=[1,2]'])).toEqual({
      a: 1,
      n: { x: 1, y: '2' },
      greeting: 'Hoi',
      limit: 5,
      on: true,
      list: [1, 2],
    });
    expect(() => assignConfig({}, ['novalue'])).toThrow(/not key=value/);
  });
});
