// The view page, /_dashboard/view (view.html): `?subject=<resource>` shows the resource as the
// signed-in agent and, below it, the view of every active plugin whose views cover one of its
// classes; `?plugin=<Plugin subject>&settings` shows that plugin's settings view. Each view runs in
// a sandboxed, null-origin frame and reaches data only through the RPC served by rpc-host.ts.

import { forgetAgent, storedAgent } from 'atomic-plugin/sdk/browser';
import type { ViewMode } from '../../../../sdk/view/protocol.js';
import { h, messageOf } from '../../app/dom.js';
import { resourceCard } from './resource-card.js';
import type { ViewListing } from '../listing.js';
import { serveView } from './rpc-host.js';
import { createServerApi, type ServerApi } from './server-api.js';

const IS_A = 'https://atomicdata.dev/properties/isA';

function header(agent: string | null): HTMLElement {
  const bar = h('header', { class: 'bar' }, h('a', { class: 'home', href: '/_dashboard/' }, 'Dashboard'));
  if (agent) {
    const out = h('button', { type: 'button', class: 'sign-out' }, 'Sign out');
    out.addEventListener('click', () => {
      forgetAgent();
      location.reload();
    });
    bar.append(h('span', { class: 'agent' }, agent), out);
  }
  return bar;
}

/** A plugin's view in its sandboxed frame, served by the RPC. */
function mountView(api: ServerApi, listing: ViewListing, mode: ViewMode, viewed: string): HTMLElement {
  // Scripts only: no same origin (so no storage, cookies or page DOM), no forms, popups, top
  // navigation, downloads or modals.
  const frame = h('iframe', {
    sandbox: 'allow-scripts',
    referrerpolicy: 'no-referrer',
    title: `${listing.id} ${mode}`,
    src: `/_dashboard/view/frame?${new URLSearchParams({ plugin: listing.plugin, mode })}`,
  });
  serveView(api, { frame, mode, viewed, listing, onStop: (reason) => frame.replaceWith(h('p', { class: 'error stopped' }, reason)) });
  return h('section', { class: 'plugin-view', 'data-plugin': listing.plugin }, h('h2', { class: 'plugin-name' }, `${listing.id} ${listing.version}`), frame);
}

async function resourcePage(api: ServerApi, main: HTMLElement, subject: string): Promise<void> {
  const resource = await api.resource(subject);
  main.append(resourceCard(resource));
  const types = Array.isArray(resource[IS_A]) ? (resource[IS_A] as unknown[]) : [];
  const listings = await api.getJson<ViewListing[]>('/_dashboard/view/plugins');
  const matching = listings.filter((l) => l.classes.some((c) => types.includes(c)));
  if (matching.length === 0) main.append(h('p', { class: 'note' }, 'No plugin has a view for this kind of resource.'));
  for (const listing of matching) main.append(mountView(api, listing, 'view', subject));
}

async function settingsPage(api: ServerApi, main: HTMLElement, plugin: string): Promise<void> {
  const listing = (await api.getJson<ViewListing[]>('/_dashboard/view/plugins')).find((l) => l.plugin === plugin);
  if (!listing?.settings) {
    main.append(h('p', { class: 'error' }, `${plugin} is not an active plugin with a settings view.`));
    return;
  }
  main.append(h('h1', { class: 'title' }, `Settings of ${listing.id}`), mountView(api, listing, 'settings', plugin));
}

async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const agent = storedAgent();
  const main = h('main', { class: 'page' });
  document.body.replaceChildren(header(agent?.subject ?? null), main);
  if (!agent) {
    // One sign-in for every page of this server: the dashboard's.
    main.append(h('p', { class: 'note' }, 'Sign in on ', h('a', { class: 'sign-in', href: '/_dashboard/' }, 'the dashboard'), ', then come back: this page shows what your agent can read.'));
    return;
  }
  const api = createServerApi(agent);
  const plugin = params.get('plugin');
  const subject = params.get('subject');
  try {
    if (plugin && params.has('settings')) await settingsPage(api, main, plugin);
    else if (subject) await resourcePage(api, main, subject);
    else main.append(h('p', { class: 'error' }, 'Open this page with ?subject=<resource> or ?plugin=<Plugin subject>&settings.'));
  } catch (error) {
    main.append(h('p', { class: 'error' }, messageOf(error)));
  }
}

void start();
