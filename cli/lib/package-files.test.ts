// The manifest's `files`, as build reads them: from the plugin folder or an installed npm package.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../server/plugins/manifest.js';
import { CliError } from './errors.js';
import { locatePackageFile, readPackageFiles } from './package-files.js';

const root = mkdtempSync(join(tmpdir(), 'package-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const plugin = join(root, 'plugins', 'demo');
mkdirSync(join(plugin, 'data'), { recursive: true });
mkdirSync(join(root, 'node_modules', '@scope', 'lib', 'dist'), { recursive: true });
mkdirSync(join(root, 'node_modules', 'plain'), { recursive: true });
writeFileSync(join(plugin, 'data', 'words.txt'), 'words');
writeFileSync(join(root, 'node_modules', '@scope', 'lib', 'dist', 'lib.wasm'), 'wasm');
writeFileSync(join(root, 'node_modules', 'plain', 'plain.bin'), 'bin');

describe('the files of a process package', () => {
  it('finds a path in the plugin folder and a file of a package in node_modules up the tree', () => {
    expect(locatePackageFile(plugin, './data/words.txt')).toBe(join(plugin, 'data', 'words.txt'));
    expect(locatePackageFile(plugin, '@scope/lib/dist/lib.wasm')).toBe(join(root, 'node_modules', '@scope', 'lib', 'dist', 'lib.wasm'));
    expect(locatePackageFile(plugin, 'plain/plain.bin')).toBe(join(root, 'node_modules', 'plain', 'plain.bin'));
    expect(locatePackageFile(plugin, 'plain')).toBeUndefined();
    expect(locatePackageFile(plugin, 'plain/../plain/plain.bin')).toBeUndefined();
    expect(locatePackageFile(plugin, './data')).toBeUndefined();
  });

  it('reads them by package path, and says what to do about one that is missing', () => {
    const manifest = (files: Record<string, string>) => parseManifest({ name: 'demo', namespace: 'acme', version: '1.0.0', runtime: 'process', entry: 'plugin.mjs', files });
    const read = readPackageFiles(plugin, manifest({ 'words.txt': './data/words.txt', 'lib.wasm': '@scope/lib/dist/lib.wasm' }));
    expect(Object.fromEntries(Object.entries(read).map(([k, v]) => [k, Buffer.from(v).toString()]))).toEqual({ 'words.txt': 'words', 'lib.wasm': 'wasm' });
    const missing = (() => {
      try {
        readPackageFiles(plugin, manifest({ 'x.wasm': 'absent/x.wasm' }));
      } catch (error) {
        return error as CliError;
      }
      throw new Error('expected an error');
    })();
    expect(missing.code).toBe('BUILD_FAILED');
    expect(missing.message).toContain('"x.wasm"');
    expect(missing.suggestions?.join()).toContain('npm install absent');
  });
});
