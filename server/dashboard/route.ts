// The web dashboard's pages and files at /_dashboard/: what `npm run build` bundled into
// dist/dashboard/ (cli/build-dashboard.ts), served as they are. `/_dashboard/` is index.html,
// `/_dashboard/{page}` is {page}.html (the plugin views page is `view.html`), and scripts,
// stylesheets and images are served by their names. The pages sign requests in the browser;
// nothing here needs an agent.

import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { AtomicError } from '../atomic/errors.js';
import type { HttpResponse, Route } from '../http/app.js';
import { packageDir } from '../package-dir.js';

/** Where the dashboard is served. */
export const DASHBOARD_PATH = '/_dashboard';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

const PAGE = /^[a-z][a-z0-9-]*$/;
const FILE = /^[a-z][a-z0-9.-]*\.(?:js|css|svg|png)$/;

/**
 * The pages hold the user's secret (in local storage) and sign with it: they load only their own
 * scripts and styles, talk only to this server, and cannot be framed by other sites. They may frame
 * this server's documents: the view page's sandboxed plugin views (views/frame-document.ts).
 */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; frame-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // A rebuilt or upgraded package changes the files: browsers ask again each time (they are small).
  'cache-control': 'no-cache',
};

/** The folder the dashboard was built into. */
export function dashboardDir(): string {
  return join(packageDir(), 'dist', 'dashboard');
}

/** The file under `dir` a path below /_dashboard/ names, or undefined. */
function fileFor(rest: string): string | undefined {
  if (rest === '') return 'index.html';
  if (PAGE.test(rest)) return `${rest}.html`;
  if (FILE.test(rest)) return rest;
  return undefined;
}

/** Serves the built dashboard from `dir` (default: the package's dist/dashboard). */
export function dashboardRoute(dir: string = dashboardDir()): Route {
  return {
    matches: (path) => path === DASHBOARD_PATH || path.startsWith(`${DASHBOARD_PATH}/`),
    async handle(request): Promise<HttpResponse> {
      if (request.method !== 'GET' && request.method !== 'HEAD') throw new AtomicError('METHOD_NOT_ALLOWED', `GET the dashboard at ${DASHBOARD_PATH}/`);
      const path = request.url.split('?')[0] ?? '';
      // Relative links in the pages (app.js, app.css) resolve against the folder.
      if (path === DASHBOARD_PATH) return { status: 308, headers: { location: `${DASHBOARD_PATH}/` }, body: '' };
      const name = fileFor(path.slice(DASHBOARD_PATH.length + 1));
      const file = name === undefined ? undefined : join(dir, name);
      if (file === undefined || !existsSync(file)) {
        if (!existsSync(dir)) throw new AtomicError('NOT_FOUND', `the dashboard is not built (${dir} is missing): run \`npm run build\` in the atomic-plugin folder`);
        throw new AtomicError('NOT_FOUND', `the dashboard has no ${path}`);
      }
      return { status: 200, headers: { 'content-type': CONTENT_TYPES[extname(file)]!, ...DASHBOARD_HEADERS }, body: readFileSync(file) };
    },
  };
}
