// The dashboard page at /_dashboard/: signing in with an agent secret kept in this browser (the
// one sign-in every page of the server shares, sdk/browser), then the installed plugins
// (#/installed), the store (#/store) and a plugin's log (#/log?plugin=). What is shown is what the
// server answered; every refusal is shown in the page.

import { forgetAgent, parseSecret, rememberAgent, RequestError, storedAgent, type Agent } from 'atomic-plugin/sdk/browser';
import { DashboardApi } from './api.js';
import { find, messageOf } from './dom.js';
import { renderInstalled } from './installed-view.js';

const el = {
  tabs: find('.tabs'),
  session: find('.session'),
  agent: find('.session .agent'),
  signOut: find<HTMLButtonElement>('.sign-out'),
  error: find('.error'),
  notice: find('.notice'),
  signIn: find<HTMLFormElement>('.sign-in'),
  secret: find<HTMLTextAreaElement>('#secret'),
  installed: find('section.installed'),
  store: find('section.store'),
  log: find('section.log'),
};

let api: DashboardApi | null = null;

/** Shows an error (null hides it). */
export function showError(message: string | null): void {
  el.error.hidden = message === null;
  el.error.textContent = message ?? '';
}

/** Shows what just happened (null hides it). */
export function showNotice(message: string | null): void {
  el.notice.hidden = message === null;
  el.notice.textContent = message ?? '';
}

type Tab = 'installed' | 'store' | 'log';

function currentTab(): Tab {
  if (location.hash.startsWith('#/store')) return 'store';
  if (location.hash.startsWith('#/log')) return 'log';
  return 'installed';
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
    if (tab === 'installed') await renderInstalled(el.installed, api);
  } catch (error) {
    showError(messageOf(error));
  }
}

async function signIn(secret: string): Promise<void> {
  let agent: Agent;
  try {
    agent = parseSecret(secret);
  } catch (error) {
    forgetAgent();
    return showError(messageOf(error));
  }
  try {
    const catalog = await DashboardApi.catalog(agent);
    const candidate = new DashboardApi(agent, catalog.serverUrl);
    // Reading the installed plugins is the proof: the server checks the signature and the agent.
    await candidate.installed();
    api = candidate;
  } catch (error) {
    // A secret the server does not accept is forgotten; one that met a server down is kept.
    if (error instanceof RequestError && error.status === 401) forgetAgent();
    return showError(`Signing in as ${agent.subject} failed: ${messageOf(error)}`);
  }
  rememberAgent(agent);
  showError(null);
  el.secret.value = '';
  await show();
}

el.signIn.addEventListener('submit', (event) => {
  event.preventDefault();
  void signIn(el.secret.value);
});

el.signOut.addEventListener('click', () => {
  forgetAgent();
  api = null;
  showError(null);
  showNotice(null);
  void show();
  el.secret.focus();
});

window.addEventListener('hashchange', () => {
  showNotice(null);
  void show();
});

const stored = storedAgent();
void show();
if (stored) void signIn(stored.secret);
else el.secret.focus();
