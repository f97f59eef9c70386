// The system monitor page /monitor/: signs in with an agent secret kept in the browser (the one
// sign-in every page of the server shares, sdk/browser), reads the figures every second and lets
// an operator disable, enable or restart a plugin. The server decides who may do what: a refusal
// is shown with its message, and the figures on screen are always the server's latest.

import { errorMessage, forgetAgent, RequestError, signIn, signInFailure, storedAgent, type PluginFigures } from 'atomic-plugin/sdk/browser';
import { createMonitorApi, type MonitorApi } from './api.js';
import { findElements, render, type PluginAction, type ViewState } from './view.js';

/** How often the figures are read. */
const REFRESH_MS = 1000;

function meta(name: string): string {
  const content = document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content;
  if (!content) throw new Error(`the page has no <meta name="${name}">`);
  return content;
}

const el = findElements();
const statsPath = meta('monitor-stats');
const state: ViewState = { agent: null, stats: null, updatedAt: null, error: null, notice: null, busy: new Set() };
let api: MonitorApi | null = null;
/** Counts sign-ins, so that the refresh loop of an earlier one stops. */
let session = 0;
/** Whether the error on screen is about reading the figures (cleared by the next good read). */
let statsError = false;

function show(): void {
  render(el, state);
}

function signOut(message: string | null = null): void {
  forgetAgent();
  session++;
  api = null;
  Object.assign(state, { agent: null, stats: null, updatedAt: null, error: message, notice: null });
  show();
  el.secret.focus();
}

/** Reads the figures once and draws them; a refused read is shown (401: sign in again). */
async function load(current: number): Promise<void> {
  if (!api) return;
  try {
    const stats = await api.stats();
    if (current !== session) return;
    Object.assign(state, { stats, updatedAt: Date.now() });
    if (statsError) state.error = null;
    statsError = false;
  } catch (error) {
    if (current !== session) return;
    if (error instanceof RequestError && error.status === 401) return signOut(`The server no longer accepts this sign-in: ${error.message}`);
    state.error = `Reading the figures failed: ${errorMessage(error)}`;
    statsError = true;
  }
  show();
}

/** Reads the figures every REFRESH_MS for as long as this sign-in lasts. */
async function refreshLoop(current: number): Promise<void> {
  while (current === session) {
    const started = Date.now();
    await load(current);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, REFRESH_MS - (Date.now() - started))));
  }
}

async function signInAs(secret: string): Promise<void> {
  const result = await signIn(secret, async (agent) => {
    const candidate = createMonitorApi(agent, statsPath);
    try {
      await candidate.stats();
    } catch (error) {
      // An agent that may not see the figures (403) stays signed in and is told why; one that met
      // a server down too. Only a secret the server does not accept fails the sign-in.
      if (error instanceof RequestError && error.status === 401) throw error;
    }
    return candidate;
  });
  if (!result.ok) {
    state.error = signInFailure(result);
    return show();
  }
  api = result.proof;
  const current = ++session;
  Object.assign(state, { agent: result.agent.subject, error: null, notice: null });
  el.secret.value = '';
  void refreshLoop(current);
}

const DONE: Record<PluginAction, [doing: string, done: string]> = {
  disable: ['Disabling', 'disabled'],
  enable: ['Enabling', 'enabled'],
  restart: ['Restarting', 'restarted'],
};

/** Runs an operator's action; the server checks the rights and its refusal is shown. */
async function act(action: PluginAction, plugin: PluginFigures): Promise<void> {
  if (!api || state.busy.has(plugin.subject)) return;
  const name = plugin.plugin || plugin.subject;
  const [doing, done] = DONE[action];
  state.busy.add(plugin.subject);
  Object.assign(state, { error: null, notice: `${doing} ${name}…` });
  statsError = false;
  show();
  try {
    if (action === 'restart') await api.restart(plugin.subject);
    else await api.setEnabled(plugin.subject, action === 'enable');
    state.notice = `${name} ${done}.`;
  } catch (error) {
    Object.assign(state, { notice: null, error: `${doing} ${name} failed: ${errorMessage(error)}` });
  } finally {
    state.busy.delete(plugin.subject);
  }
  await load(session);
}

el.signIn.addEventListener('submit', (event) => {
  event.preventDefault();
  void signInAs(el.secret.value);
});

el.signOut.addEventListener('click', () => signOut());

el.rows.addEventListener('click', (event) => {
  const button = (event.target as Element).closest<HTMLButtonElement>('button[data-action]');
  const subject = button?.closest('tr')?.dataset.subject;
  const plugin = state.stats?.plugins.find((p) => p.subject === subject);
  if (button && plugin) void act(button.dataset.action as PluginAction, plugin);
});

const stored = storedAgent();
show();
if (stored) void signInAs(stored.secret);
else el.secret.focus();
