// The extra files a process plugin's package carries (the manifest's `files`): each read from the
// plugin folder or from an installed npm package, so that a bundled library finds what it loads at
// run time (oxigraph's .wasm) inside the package, the only folder besides its data it may read.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { PluginManifest } from '../../server/plugins/manifest.js';
import { CliError } from './errors.js';

/** `@scope/name/sub/path` or `name/sub/path` split into the package name and the path inside it. */
function splitSpecifier(specifier: string): { name: string; path: string } | undefined {
  const parts = specifier.split('/');
  const nameParts = specifier.startsWith('@') ? 2 : 1;
  if (parts.length <= nameParts || parts.some((p) => p === '' || p === '..')) return undefined;
  return { name: parts.slice(0, nameParts).join('/'), path: parts.slice(nameParts).join('/') };
}

/**
 * Where the file `source` is: relative to `root` when it starts with `./` or `../`, else a file in
 * an npm package found in `node_modules` from `root` upward (as Node resolves a package, without
 * its `exports` map, which need not list data files).
 */
export function locatePackageFile(root: string, source: string): string | undefined {
  if (source.startsWith('./') || source.startsWith('../')) {
    const path = resolve(root, source);
    return existsSync(path) && statSync(path).isFile() ? path : undefined;
  }
  const spec = splitSpecifier(source);
  if (!spec) return undefined;
  for (let dir = resolve(root); ; dir = dirname(dir)) {
    const path = join(dir, 'node_modules', spec.name, spec.path);
    if (existsSync(path) && statSync(path).isFile()) return path;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Reads every file the manifest lists in `files`, keyed by its package path. */
export function readPackageFiles(root: string, manifest: PluginManifest): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (const [path, source] of Object.entries(manifest.files)) {
    const found = locatePackageFile(root, source);
    if (!found) {
      throw new CliError('BUILD_FAILED', `plugin.json lists "${path}" in files, from "${source}", which does not exist`, [
        source.startsWith('.') ? `create ${resolve(root, source)}, or fix the path (relative to ${root})` : `install the package that holds it (npm install ${splitSpecifier(source)?.name ?? source}), or give a path starting with ./`,
      ]);
    }
    files[path] = readFileSync(found);
  }
  return files;
}
