// The view page, /_dashboard/view (view.html): `?subject=<resource>` shows the resource as the signed-in agent
// and, below it, the view of every active plugin whose views cover one of its classes;
// `?plugin=<Plugin subject>&settings` shows that plugin's settings view. Each view runs in a
// sandboxed, null-origin frame and reaches data only through the RPC served by rpc-host.ts.

import { forgetAgent, storedAgent } from 'atomic-plugin/sdk/browser';
import type { ViewMode } from '../../../../sdk/view/protocol.js';
import { resourceCard } from './resource-card.js';
import { serveView, type ViewListing } from './rpc-host.js';
import { createServerApi, type ServerApi } from './server-api.js';


const IS_A = 'https://atomicdata.dev/properties/isA';

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function header(agent: string | null): HTMLElement {
  const bar = element('header', 'bar');
  const home = element('a', 'home', 'Dashboard');
  home.href = '/_dashboard/';
  bar.append(home);
  if (agent) {
    const out = element('button', 'sign-out', 'Sign out');
    out.type = 'button';
    out.addEventListener('click', () => {
      forgetAgent();
      location.reload();
    });
    bar.append(element('span', 'agent', agent), out);
  }
  return bar;
}

/** A plugin's view in its sandboxed frame, served by the RPC. */
function mountView(api: ServerApi, listing: ViewListing, mode: ViewMode, viewed: string): HTMLElement {
  const section = element('section', 'plugin-view');
  section.dataset.plugin = listing.plugin;
  const title = element('h2', 'plugin-name', `${listing.id} ${listing.version}`);
  const frame = document.createElement('iframe');
  // Scripts only: no same origin (so no storage, cookies or page DOM), no forms, popups,
  // top navigation, downloads or modals.
  frame.setAttribute('sandbox', 'allow-scripts');
  frame.referrerPolicy = 'no-referrer';
  frame.title = `${listing.id} ${mode}`;
  frame.src = `/_dashboard/view/frame?${new URLSearchParams({ plugin: listing.plugin, mode })}`;
  serveView(api, {
    frame,
    mode,
    viewed,
    listing,
    onStop: (reason) => frame.replaceWith(element('p', 'error stopped', reason)),
  });
  section.append(title, frame);
  return section;
}

async function resourcePage(api: ServerApi, main: HTMLElement, subject: string): Promise<void> {
  const resource = await api.resource(subject);
  main.append(resourceCard(resource));
  const types = Array.isArray(resource[IS_A]) ? (resource[IS_A] as unknown[]) : [];
  const listings = await api.getJson<ViewListing[]>('/_dashboard/view/plugins');
  const matching = listings.filter((l) => l.classes.some((c) => types.includes(c)));
  if (matching.length === 0) main.append(element('p', 'note', 'No plugin has a view for this kind of resource.'));
  for (const listing of matching) main.append(mountView(api, listing, 'view', subject));
}

async function settingsPage(api: ServerApi, main: HTMLElement, plugin: string): Promise<void> {
  const listing = (await api.getJson<ViewListing[]>('/_dashboard/view/plugins')).find((l) => l.plugin === plugin);
  if (!listing?.settings) {
    main.append(element('p', 'error', `${plugin} is not an active plugin with a settings view.`));
    return;
  }
  main.append(element('h1', 'title', `Settings of ${listing.id}`));
  main.append(mountView(api, listing, 'settings', plugin));
}

async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const agent = storedAgent();
  const main = element('main', 'page');
  document.body.replaceChildren(header(agent?.subject ?? null), main);
  if (!agent) {
    // One sign-in for every page of this server: the dashboard's.
    const note = element('p', 'note', 'Sign in on ');
    const link = element('a', 'sign-in', 'the dashboard');
    link.href = '/_dashboard/';
    note.append(link, ', then come back: this page shows what your agent can read.');
    main.append(note);
    return;
  }
  const api = createServerApi(agent);
  const plugin = params.get('plugin');
  const subject = params.get('subject');
  try {
    if (plugin && params.has('settings')) await settingsPage(api, main, plugin);
    else if (subject) await resourcePage(api, main, subject);
    else main.append(element('p', 'error', 'Open this page with ?subject=<resource> or ?plugin=<Plugin subject>&settings.'));
  } catch (error) {
    main.append(element('p', 'error', (error as Error).message));
  }
}

void start();
