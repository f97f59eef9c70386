// The atomic-plugin package's own folder, found by walking up from this module to the nearest
// package.json named atomic-plugin: the same answer from the TypeScript source and from dist/.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let found: string | undefined;

/** The folder holding atomic-plugin's package.json (throws when there is none above this module). */
export function packageDir(): string {
  if (found !== undefined) return found;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; ) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'atomic-plugin') return (found = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the atomic-plugin package folder');
    dir = parent;
  }
}
