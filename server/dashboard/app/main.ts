// The dashboard page at /_dashboard/: signing in with an agent secret kept in this browser (the
// one sign-in every page of the server shares, sdk/browser), then the installed plugins
// (#/installed, with a way to open a resource in the views page), the store (#/store) and a
// plugin's log (#/log?plugin=). What is shown is what the
// server answered; every refusal is shown in the page.

import { forgetAgent, RequestError, signIn, signInFailure, storedAgent } from 'atomic-plugin/sdk/browser';
import type { PackageDescription } from '../catalog-types.js';
import { DashboardApi, type InstalledPlugin } from './api.js';
import { configForm } from './config-form.js';
import { find, messageOf } from './dom.js';
import { renderInstalled, type InstalledCard } from './installed-view.js';
import { renderLog } from './log-view.js';
import * as actions from './plugin-actions.js';
import { renderStore } from './store-view.js';

const el = {
  tabs: find('.tabs'),
  session: find('.session'),
  agent: find('.session .agent'),
  signOut: find<HTMLButtonElement>('.sign-out'),
  error: find('.error'),
  notice: find('.notice'),
  signIn: find<HTMLFormElement>('.sign-in'),
  secret: find<HTMLTextAreaElement>('#secret'),
  openResource: find<HTMLFormElement>('.open-resource'),
  resource: find<HTMLInputElement>('#resource'),
  installed: find('section.installed'),
  store: find('section.store'),
  log: find('section.log'),
};

let api: DashboardApi | null = null;
/** The plugin whose config form is open. */
let configuring: string | null = null;
/** Package descriptions by URL: a package never changes. */
const packages = new Map<string, PackageDescription>();

function showError(message: string | null): void {
  el.error.hidden = message === null;
  el.error.textContent = message ?? '';
}

function showNotice(message: string | null): void {
  el.notice.hidden = message === null;
  el.notice.textContent = message ?? '';
}

type Tab = 'installed' | 'store' | 'log';

function currentTab(): Tab {
  if (location.hash.startsWith('#/store')) return 'store';
  if (location.hash.startsWith('#/log')) return 'log';
  return 'installed';
}

/** Runs a button's action: its sentence as a notice, its refusal as the error; then shows the result. */
async function run(what: string, action: () => Promise<string | null>): Promise<void> {
  showError(null);
  showNotice(null);
  let done: string | null = null;
  try {
    done = await action();
  } catch (error) {
    showError(`${what} failed: ${messageOf(error)}`);
  }
  // The sentence comes once the page shows the result.
  await show();
  if (done !== null) showNotice(done);
}

async function describe(session: DashboardApi, plugin: InstalledPlugin): Promise<PackageDescription | undefined> {
  const url = plugin.packageUrl;
  if (!url) return undefined;
  if (!packages.has(url)) {
    try {
      packages.set(url, await session.describe(url));
    } catch {
      return undefined;
    }
  }
  return packages.get(url);
}

async function showInstalled(session: DashboardApi): Promise<void> {
  const [catalog, installed] = await Promise.all([DashboardApi.catalog(session.agent), session.installed()]);
  const cards: InstalledCard[] = await Promise.all(
    installed.map(async (plugin) => {
      const pkg = await describe(session, plugin);
      const update = actions.newerVersion(catalog, plugin);
      const card: InstalledCard = { plugin, ...(pkg ? { pkg } : {}), ...(update ? { update } : {}) };
      if (configuring === plugin.subject) {
        card.form = configForm({
          label: `Config of ${plugin.summary.plugin}`,
          schema: pkg?.configSchema,
          config: plugin.config ?? pkg?.defaultConfig ?? {},
          save: async (config) => {
            const done = await actions.saveConfig(session, plugin, config);
            configuring = null;
            showError(null);
            await show();
            showNotice(done);
          },
          cancel: () => {
            configuring = null;
            void show();
          },
        });
      }
      return card;
    }),
  );
  renderInstalled(el.installed, session.serverUrl, cards, {
    toggle: (plugin) => void run(plugin.summary.enabled ? 'Disabling' : 'Enabling', () => actions.setEnabled(session, plugin, !plugin.summary.enabled)),
    configure: (plugin) => {
      configuring = configuring === plugin.subject ? null : plugin.subject;
      void show().then(() => el.installed.querySelector<HTMLElement>('form.config input, form.config select, form.config textarea')?.focus());
    },
    update: (plugin, choice) => void run(`Updating ${plugin.summary.plugin}`, () => actions.update(session, plugin, choice)),
    uninstall: (plugin) => void run(`Uninstalling ${plugin.summary.plugin}`, () => actions.uninstall(session, plugin)),
  });
}

async function showStore(session: DashboardApi): Promise<void> {
  const [catalog, installed] = await Promise.all([DashboardApi.catalog(session.agent), session.installed()]);
  renderStore(el.store, catalog, installed, (choice) => void run(`Installing ${choice.entry.plugin}`, () => actions.install(session, choice)));
}

async function showLog(session: DashboardApi): Promise<void> {
  const subject = new URLSearchParams(location.hash.split('?')[1] ?? '').get('plugin');
  if (!subject) throw new Error('Which plugin? The link names none.');
  const [plugin, lines] = await Promise.all([session.plugin(subject), session.log(subject)]);
  renderLog(el.log, plugin?.summary.plugin || subject, lines);
}

async function show(): Promise<void> {
  const signedIn = api !== null;
  el.signIn.hidden = signedIn;
  el.tabs.hidden = !signedIn;
  el.session.hidden = !signedIn;
  el.agent.textContent = api?.agent.subject ?? '';
  const tab = currentTab();
  for (const link of el.tabs.querySelectorAll('a')) {
    if (link.dataset.tab === tab) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  el.installed.hidden = !signedIn || tab !== 'installed';
  el.store.hidden = !signedIn || tab !== 'store';
  el.log.hidden = !signedIn || tab !== 'log';
  if (!api) return;
  try {
    if (tab === 'installed') await showInstalled(api);
    else if (tab === 'store') await showStore(api);
    else await showLog(api);
  } catch (error) {
    showError(messageOf(error));
    if (error instanceof RequestError && error.status === 401) showError(`${messageOf(error)} Sign out and sign in again.`);
  }
}

async function signInAs(secret: string): Promise<void> {
  const result = await signIn(secret, async (agent) => {
    const catalog = await DashboardApi.catalog(agent);
    const candidate = new DashboardApi(agent, catalog.serverUrl);
    // Reading the installed plugins is the proof: the server checks the signature and the agent.
    await candidate.installed();
    return candidate;
  });
  if (!result.ok) return showError(signInFailure(result));
  api = result.proof;
  showError(null);
  el.secret.value = '';
  await show();
}

el.signIn.addEventListener('submit', (event) => {
  event.preventDefault();
  void signInAs(el.secret.value);
});

// The views page shows a resource with the views of the plugins that render its classes.
el.openResource.addEventListener('submit', (event) => {
  event.preventDefault();
  location.assign(`view?subject=${encodeURIComponent(el.resource.value.trim())}`);
});

el.signOut.addEventListener('click', () => {
  forgetAgent();
  api = null;
  configuring = null;
  showError(null);
  showNotice(null);
  void show();
  el.secret.focus();
});

window.addEventListener('hashchange', () => {
  showError(null);
  showNotice(null);
  void show();
});

const stored = storedAgent();
void show();
if (stored) void signInAs(stored.secret);
else el.secret.focus();
