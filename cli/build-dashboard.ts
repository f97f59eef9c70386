// The package build step that bundles the web dashboard (`npm run build`, after tsc): the browser
// code under server/dashboard/ into dist/dashboard/, which the host serves at /_dashboard/ as
// files. Everything the pages run is in the bundles: a host needs nothing at run time.
// Run as `node dist/cli/build-dashboard.js`.

import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { packageRoot } from './lib/assemblyscript.js';
import { browserBuildOptions } from './lib/embed.js';

const sourceDir = join(packageRoot, 'server', 'dashboard');
const outDir = join(packageRoot, 'dist', 'dashboard');

/** Scripts, by the name they are served under, and their entry module (relative to server/dashboard). */
const bundles: Record<string, string> = {
  'app.js': 'app/main.ts',
  'view.js': 'views/app/main.ts',
};

/** Files served as they are, by name, and where they are kept. */
const files: Record<string, string> = {
  'index.html': 'app/index.html',
  'app.css': 'app/app.css',
  'view.html': 'views/app/view.html',
  'view.css': 'views/app/view.css',
};

const started = performance.now();
mkdirSync(outDir, { recursive: true });
await Promise.all(
  Object.entries(bundles).map(([name, entry]) =>
    build({ ...browserBuildOptions, entryPoints: [join(sourceDir, entry)], outfile: join(outDir, name), absWorkingDir: packageRoot, logLevel: 'warning' }),
  ),
);
for (const [name, source] of Object.entries(files)) copyFileSync(join(sourceDir, source), join(outDir, name));
process.stderr.write(`Dashboard: ${[...Object.keys(bundles), ...Object.keys(files)].join(', ')} in ${outDir} (${Math.round(performance.now() - started)} ms)\n`);
