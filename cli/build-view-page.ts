// The build step after tsc that bundles the dashboard's view page (server/dashboard/views/app) for
// browsers into dist/dashboard/view/page.js and page.css, which the host serves at /_dashboard/view.
// Run as `node dist/cli/build-view-page.js` (npm run build does).

import { join } from 'node:path';
import { build } from 'esbuild';
import { packageRoot } from './lib/assemblyscript.js';
import { browserBuildOptions } from './lib/embed.js';

const app = join(packageRoot, 'server', 'dashboard', 'views', 'app');
const started = performance.now();
await build({
  ...browserBuildOptions,
  entryPoints: [
    { in: join(app, 'main.ts'), out: 'page' },
    { in: join(app, 'page.css'), out: 'page' },
  ],
  outdir: join(packageRoot, 'dist', 'dashboard', 'view'),
  loader: { '.css': 'css' },
  logLevel: 'warning',
  absWorkingDir: packageRoot,
});
process.stderr.write(`View page: dist/dashboard/view/ (${Math.round(performance.now() - started)} ms)\n`);
