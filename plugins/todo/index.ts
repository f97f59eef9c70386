// atomic/todo: a TodoMVC app at /todo/. The page, its stylesheet and its script (browser/, bundled
// for browsers) are embedded in this plugin at build time; the browser reads and writes the todos
// through the CRUD plugin's /crud/todo API as the signed-in agent. At init the plugin makes sure
// the `todo` class, its properties and the list the todos go in exist (ontology.ts).

import page from './app/index.html';
import style from './app/app.css';
import script from './browser/main.ts?browser';
import { getPluginAgent, log, readInit, readRequest, respond, respondText, serverOf } from 'atomic-plugin/sdk/js';
import { ensure, hostStore, todoSubjects, wantedResources } from './ontology.js';

/** Where the app lives (the endpoint in plugin.json). */
const BASE = '/todo';

/** Creates or repairs the todo ontology and list. */
export function init(): number {
  const { plugin } = readInit();
  const changed = ensure(hostStore, wantedResources(serverOf(plugin.agent)));
  log('info', changed.length > 0 ? `wrote ${changed.join(', ')}` : 'the todo ontology and list are in place');
  return 0;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// The page loads only its own script and stylesheet, and talks only to this server.
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // A plugin update changes the files: browsers ask again each time (cheap: they are small).
  'cache-control': 'no-cache',
};

/** Serves the page (with the list's subject in it), its script and its stylesheet. */
export function handle_request(): number {
  const req = readRequest();
  const path = req.path;
  if (path === BASE) {
    // The page's relative links (app.js, app.css) need the trailing slash.
    respond(308, { location: `${BASE}/` }, '');
  } else if (path === `${BASE}/` || path === `${BASE}/index.html`) {
    const agent = getPluginAgent();
    if (!agent.ok) {
      respondText(500, `the plugin's agent is unknown: ${agent.error.message}`);
      return 0;
    }
    const list = todoSubjects(serverOf(agent.value.subject)).list;
    respond(200, { ...PAGE_HEADERS, 'content-type': 'text/html; charset=utf-8' }, page.replace('{{list}}', escapeHtml(list)));
  } else if (path === `${BASE}/app.js`) {
    respond(200, { ...PAGE_HEADERS, 'content-type': 'text/javascript; charset=utf-8' }, script);
  } else if (path === `${BASE}/app.css`) {
    respond(200, { ...PAGE_HEADERS, 'content-type': 'text/css; charset=utf-8' }, style);
  } else {
    respondText(404, `${path} is not part of the todo app: open ${BASE}/`, PAGE_HEADERS);
  }
  return 0;
}
