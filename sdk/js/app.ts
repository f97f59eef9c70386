// Serving a small browser app from a plugin's endpoint: its page, script and stylesheet, embedded
// at build time (`import page from './app/index.html'`, `import script from './main.ts?browser'`),
// with headers that let the page load only its own files and talk only to its own server.

import { respond } from './hooks.js';

/** Headers for an app's files: a strict content security policy, and no caching across plugin updates. */
export const APP_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // A plugin update changes the files: browsers ask again each time (cheap: they are small).
  'cache-control': 'no-cache',
};

/** An embedded app. */
export interface EmbeddedApp {
  /** The page's HTML; a function, so that it may be filled in per request (and only when asked). */
  readonly page: () => string;
  /** The browser bundle, served as `app.js`. */
  readonly script: string;
  /** The stylesheet, served as `app.css`. */
  readonly style: string;
}

/**
 * Answers a request for the app at `base` (e.g. `/todo`): `base` redirects to `base/` (the page's
 * relative links need the slash), which serves the page, and `base/app.js`, `base/app.css`.
 * Returns false, answering nothing, for any other path.
 */
export function serveApp(path: string, base: string, app: EmbeddedApp): boolean {
  if (path === base) respond(308, { location: `${base}/` }, '');
  else if (path === `${base}/` || path === `${base}/index.html`) respond(200, { ...APP_HEADERS, 'content-type': 'text/html; charset=utf-8' }, app.page());
  else if (path === `${base}/app.js`) respond(200, { ...APP_HEADERS, 'content-type': 'text/javascript; charset=utf-8' }, app.script);
  else if (path === `${base}/app.css`) respond(200, { ...APP_HEADERS, 'content-type': 'text/css; charset=utf-8' }, app.style);
  else return false;
  return true;
}
