// The document a plugin's view runs in: the package's ui.css and ui.js inlined into one page with
// a fresh nonce, served with a CSP that allows those two and nothing else (no network, no other
// scripts, no eval, no forms, no base URL) and sandboxes the document into an opaque origin even
// when it is opened on its own. The dashboard page frames it with sandbox="allow-scripts".

import { randomBytes } from 'node:crypto';
import type { HttpResponse } from '../../http/app.js';
import type { PluginViews } from '../../plugins/installation.js';

/** Styles every view starts from (the view's ui.css comes after and may override them). */
const BASE_STYLE = 'html{color-scheme:light dark;font:16px/1.4 system-ui,sans-serif}body{margin:0;padding:8px;overflow-wrap:anywhere}';

/** The frame's CSP for one nonce. */
export function frameCsp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    'img-src data:',
    'font-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self'",
    'sandbox allow-scripts',
  ].join('; ');
}

// Inside <script>, the HTML parser only looks for "</script", "<script" and "<!--"; JavaScript can
// only hold them in strings, regular expressions, templates and comments, where "\x3C" means "<".
const escapeScript = (code: string): string => code.replace(/<(?=\/?script|!--)/gi, '\\x3C');
// Inside <style>, only "</style" ends it; in CSS "\3C " is "<" (strings) and comments are inert.
const escapeStyle = (css: string): string => css.replace(/<(?=\/style)/gi, '\\3C ');

/** The frame document of a view, with its headers. */
export function frameDocument(views: Pick<PluginViews, 'script' | 'style'>, title: string): HttpResponse {
  const nonce = randomBytes(18).toString('base64');
  const html = [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${title.replace(/[<>&"]/g, '')}</title>`,
    `<style nonce="${nonce}">${BASE_STYLE}\n${escapeStyle(views.style ?? '')}</style>`,
    `</head><body><script nonce="${nonce}">${escapeScript(views.script)}</script></body></html>`,
  ].join('\n');
  return {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': frameCsp(nonce),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      // A nonce is good for one response only.
      'cache-control': 'no-store',
    },
    body: html,
  };
}
