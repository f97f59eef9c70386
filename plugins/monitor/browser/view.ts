// Draws the monitor from its state: the sign-in form or the figures, the host's four figures and
// one table row per plugin. Rows are kept per plugin and only their text changes each second, so
// a button keeps its focus while the figures refresh.

import type { PluginFigures } from 'atomic-plugin/sdk/browser';
import type { MonitorStats } from './api.js';
import { bytes, duration, ms, percent } from './format.js';

/** Everything on screen. */
export interface ViewState {
  agent: string | null;
  stats: MonitorStats | null;
  /** When the figures on screen were read (ms). */
  updatedAt: number | null;
  error: string | null;
  notice: string | null;
  /** Plugins with an action under way: their buttons wait. */
  busy: Set<string>;
}

/** An action on a plugin, as its button's `data-action`. */
export type PluginAction = 'disable' | 'enable' | 'restart';

/** The page's elements. */
export interface Elements {
  signIn: HTMLFormElement;
  secret: HTMLTextAreaElement;
  session: HTMLElement;
  agent: HTMLElement;
  signOut: HTMLButtonElement;
  error: HTMLElement;
  notice: HTMLElement;
  main: HTMLElement;
  /** Says why a reader sees no actions. */
  readOnly: HTMLElement;
  figures: Record<'memory' | 'cpu' | 'disk' | 'uptime', { value: HTMLElement; detail: HTMLElement }>;
  updated: HTMLOutputElement;
  rows: HTMLTableSectionElement;
}

function find<T extends Element>(selector: string, within: ParentNode = document): T {
  const element = within.querySelector<T>(selector);
  if (!element) throw new Error(`the page has no ${selector}`);
  return element;
}

/** Finds the elements of index.html. */
export function findElements(): Elements {
  const figure = (name: string) => {
    const article = find<HTMLElement>(`[data-figure="${name}"]`);
    return { value: find<HTMLElement>('.value', article), detail: find<HTMLElement>('.detail', article) };
  };
  return {
    signIn: find('.sign-in'),
    secret: find('#secret'),
    session: find('.session'),
    agent: find('.agent'),
    signOut: find('.sign-out'),
    error: find('.error'),
    notice: find('.notice'),
    main: find('main'),
    readOnly: find('.read-only'),
    figures: { memory: figure('memory'), cpu: figure('cpu'), disk: figure('disk'), uptime: figure('uptime') },
    updated: find('.updated'),
    rows: find('tbody'),
  };
}

function show(element: HTMLElement, text: string | null): void {
  element.hidden = text === null;
  element.textContent = text ?? '';
}

function drawHost(el: Elements, stats: MonitorStats): void {
  const { memory, cpu, disk, uptime } = stats.host;
  const f = el.figures;
  f.memory.value.textContent = bytes(memory.rssBytes);
  f.memory.detail.textContent = `server process · heap ${bytes(memory.heapUsedBytes)} · machine ${bytes(memory.systemTotalBytes - memory.systemFreeBytes)} of ${bytes(memory.systemTotalBytes)} used`;
  f.cpu.value.textContent = percent(cpu.systemPercent);
  f.cpu.detail.textContent = `server ${percent(cpu.processPercent)} of a core · ${cpu.cores} cores · load ${cpu.loadAverage.map((l) => l.toFixed(2)).join(' ')}`;
  const used = disk.totalBytes - disk.freeBytes;
  f.disk.value.textContent = `${bytes(disk.availableBytes)} free`;
  f.disk.detail.textContent = `${bytes(used)} of ${bytes(disk.totalBytes)} used (${percent(disk.totalBytes > 0 ? (used / disk.totalBytes) * 100 : 0)}) · ${disk.path}`;
  f.uptime.value.textContent = duration(uptime.processSeconds);
  f.uptime.detail.textContent = `machine up ${duration(uptime.systemSeconds)}`;
}

const COLUMNS = ['plugin', 'status', 'calls', 'errors', 'p50', 'p95', 'p99', 'memory', 'actions'] as const;
const LABELS: Record<(typeof COLUMNS)[number], string> = { plugin: 'Plugin', status: 'Status', calls: 'Calls', errors: 'Errors', p50: 'p50', p95: 'p95', p99: 'p99', memory: 'Memory', actions: 'Actions' };

function newRow(subject: string): HTMLTableRowElement {
  const row = document.createElement('tr');
  row.dataset.subject = subject;
  for (const column of COLUMNS) {
    const cell = row.insertCell();
    cell.className = column;
    cell.dataset.label = LABELS[column];
  }
  const actions = row.cells[COLUMNS.indexOf('actions')]!;
  for (const action of ['disable', 'enable', 'restart'] as const) {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.action = action;
    button.textContent = action[0]!.toUpperCase() + action.slice(1);
    actions.append(button);
  }
  return row;
}

function cell(row: HTMLTableRowElement, column: (typeof COLUMNS)[number]): HTMLTableCellElement {
  return row.cells[COLUMNS.indexOf(column)]!;
}

/** Two lines in a cell: the main text and a smaller one below. */
function twoLines(target: HTMLElement, main: HTMLElement | string, below: string, belowClass: string): void {
  const second = document.createElement('span');
  second.className = belowClass;
  second.textContent = below;
  target.replaceChildren(main, ...(below ? [second] : []));
}

function drawRow(row: HTMLTableRowElement, plugin: PluginFigures, busy: boolean): void {
  twoLines(cell(row, 'plugin'), plugin.plugin || plugin.subject, `${plugin.version ? `v${plugin.version} · ` : ''}${plugin.subject}`, 'version');
  const badge = document.createElement('span');
  badge.className = `badge ${plugin.status}`;
  badge.textContent = plugin.status;
  twoLines(cell(row, 'status'), badge, plugin.error ?? plugin.lastError ?? '', 'why');
  row.dataset.status = plugin.status;
  cell(row, 'calls').textContent = String(plugin.calls);
  const errors = cell(row, 'errors');
  errors.textContent = plugin.timeouts > 0 ? `${plugin.failures} (${plugin.timeouts} timeouts)` : String(plugin.failures);
  errors.title = plugin.restarts > 0 ? `${plugin.restarts} restarts` : '';
  cell(row, 'p50').textContent = ms(plugin.latencyMs.p50);
  cell(row, 'p95').textContent = ms(plugin.latencyMs.p95);
  cell(row, 'p99').textContent = ms(plugin.latencyMs.p99);
  cell(row, 'memory').textContent = plugin.memoryBytes > 0 ? bytes(plugin.memoryBytes) : '–';
  for (const button of cell(row, 'actions').querySelectorAll<HTMLButtonElement>('button')) {
    const action = button.dataset.action as PluginAction;
    // A plugin that is switched off can only be switched on; one that is on can be switched off or restarted.
    button.hidden = plugin.status === 'disabled' ? action !== 'enable' : action === 'enable';
    button.disabled = busy;
    button.setAttribute('aria-label', `${button.textContent} ${plugin.plugin || plugin.subject}`);
  }
}

function drawPlugins(el: Elements, plugins: readonly PluginFigures[], busy: Set<string>): void {
  const existing = new Map([...el.rows.rows].map((row) => [row.dataset.subject ?? '', row]));
  const sorted = [...plugins].sort((a, b) => (a.plugin || a.subject).localeCompare(b.plugin || b.subject));
  sorted.forEach((plugin, index) => {
    const row = existing.get(plugin.subject) ?? newRow(plugin.subject);
    existing.delete(plugin.subject);
    drawRow(row, plugin, busy.has(plugin.subject));
    if (el.rows.rows[index] !== row) el.rows.insertBefore(row, el.rows.rows[index] ?? null);
  });
  for (const gone of existing.values()) gone.remove();
}

/** Draws `state`. */
export function render(el: Elements, state: ViewState): void {
  el.signIn.hidden = state.agent !== null;
  el.session.hidden = state.agent === null;
  el.agent.textContent = state.agent ?? '';
  show(el.error, state.error);
  show(el.notice, state.notice);
  el.main.hidden = state.agent === null || state.stats === null;
  if (state.stats === null) return;
  el.main.dataset.operator = String(state.stats.operator);
  el.readOnly.hidden = state.stats.operator;
  drawHost(el, state.stats);
  drawPlugins(el, state.stats.plugins, state.busy);
  if (state.updatedAt !== null) {
    el.updated.value = `updated ${new Date(state.updatedAt).toLocaleTimeString()}`;
    el.updated.dataset.at = String(state.updatedAt);
  }
}
