// atomic/todo: a TodoMVC app at /todo/. The page, its stylesheet and its script (browser/, bundled
// for browsers) are embedded in this plugin at build time; the browser reads and writes the todos
// through the CRUD plugin's /crud/todo API as the signed-in agent. At init the plugin makes sure
// the `todo` class, its properties and the list the todos go in exist (ontology.ts).

import page from './app/index.html';
import style from './app/app.css';
import script from './browser/main.ts?browser';
import { APP_HEADERS, ensureResources, log, readInit, readRequest, respondText, serveApp, serverUrl, serverUrlOf } from 'atomic-plugin/sdk/js';
import { todoSubjects, wantedResources } from './ontology.js';

/** Where the app lives (the endpoint in plugin.json). */
const BASE = '/todo';

/** Creates or repairs the todo ontology and list. */
export function init(): number {
  const { plugin } = readInit();
  const changed = ensureResources(wantedResources(serverUrlOf(plugin.agent)));
  log('info', changed.length > 0 ? `wrote ${changed.join(', ')}` : 'the todo ontology and list are in place');
  return 0;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The page, with the list's subject in it. */
function pageWithList(): string {
  const server = serverUrl();
  if (!server.ok) throw new Error(`the plugin's agent is unknown: ${server.error.message}`);
  return page.replace('{{list}}', escapeHtml(todoSubjects(server.value).list));
}

/** Serves the page, its script and its stylesheet. */
export function handle_request(): number {
  const req = readRequest();
  if (!serveApp(req.path, BASE, { page: pageWithList, script, style })) respondText(404, `${req.path} is not part of the todo app: open ${BASE}/`, APP_HEADERS);
  return 0;
}
