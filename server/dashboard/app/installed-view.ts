// The installed plugins (#/installed): one card per Plugin resource with the state the host
// reports (status, version, endpoints and other hooks, counters, last error), the permissions its
// package asks for marked granted or not, who signed it, and its actions. A plugin being
// configured shows its config form in its card.

import { props } from '../../atomic/urls.js';
import { pluginStats } from '../../plugins/plugin-resource.js';
import type { PackageDescription } from '../catalog-types.js';
import type { InstalledPlugin } from './api.js';
import { h, type Child } from './dom.js';
import type { StoreChoice } from './plugin-actions.js';

/** What a card shows besides the resource. */
export interface InstalledCard {
  plugin: InstalledPlugin;
  /** Its package, as the host describes it (absent when the host cannot read it). */
  pkg?: PackageDescription;
  /** A newer version in the store. */
  update?: StoreChoice;
  /** The config form, while the plugin is being configured. */
  form?: HTMLFormElement;
}

/** What the card's buttons do. */
export interface InstalledHandlers {
  toggle(plugin: InstalledPlugin): void;
  configure(plugin: InstalledPlugin): void;
  update(plugin: InstalledPlugin, choice: StoreChoice): void;
  uninstall(plugin: InstalledPlugin): void;
}

function row(term: string, ...details: Child[]): Child[] {
  return [h('dt', {}, term), h('dd', {}, ...details)];
}

function bytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${Math.round(n / 1024)} KiB`;
}

function permissions(plugin: InstalledPlugin, pkg: PackageDescription | undefined): HTMLElement {
  const granted = plugin.summary.granted;
  const asked = pkg?.permissions ?? granted.map((name) => ({ name, reason: '' }));
  if (asked.length === 0) return h('span', { class: 'muted' }, 'none asked');
  return h(
    'ul',
    { class: 'permissions' },
    ...asked.map((p) => {
      const yes = granted.includes(p.name);
      return h('li', { class: yes ? 'granted' : 'not-granted', title: p.reason }, `${yes ? '✓' : '✗'} ${p.name}${yes ? '' : ' (asked, not granted)'}`);
    }),
  );
}

function counters(plugin: InstalledPlugin, serverUrl: string): string | undefined {
  const stats = pluginStats(serverUrl, plugin.resource);
  if (!stats) return undefined;
  const n = (key: string): number => (typeof stats[key] === 'number' ? (stats[key] as number) : 0);
  const memory = typeof stats.memoryBytes === 'number' ? ` · memory ${bytes(stats.memoryBytes)}` : '';
  return `calls ${n('calls')} · failures ${n('failures')} · timeouts ${n('timeouts')} · restarts ${n('restarts')}${memory}`;
}

function card(serverUrl: string, { plugin, pkg, update, form }: InstalledCard, handlers: InstalledHandlers): HTMLElement {
  const { summary, subject, resource } = plugin;
  const name = summary.plugin || subject;
  const description = typeof resource[props.description] === 'string' ? (resource[props.description] as string) : undefined;
  const stats = counters(plugin, serverUrl);
  const button = (label: string, aria: string, onClick: () => void, cls?: string): HTMLButtonElement => {
    const b = h('button', { type: 'button', 'aria-label': `${aria} ${name}`, class: cls }, label);
    b.addEventListener('click', onClick);
    return b;
  };
  const canView = summary.status === 'active' && summary.granted.includes('custom-view');
  return h(
    'li',
    { class: 'card plugin', 'data-subject': subject, 'aria-label': name },
    h('h3', {}, name, h('span', { class: 'muted' }, summary.version), h('span', { class: `badge ${summary.status}` }, summary.status)),
    description ? h('p', {}, description) : null,
    h(
      'dl',
      {},
      ...row('Subject', h('code', {}, subject)),
      ...(summary.endpoints.length > 0 ? row('Endpoints', ...summary.endpoints.flatMap((url, i) => [i > 0 ? ' ' : '', h('a', { href: url }, new URL(url).pathname)])) : []),
      ...row('Hooks', summary.hooks.length > 0 ? summary.hooks.join(', ') : summary.status === 'active' ? 'endpoints only' : '(while active)'),
      ...row('Permissions', permissions(plugin, pkg)),
      ...(stats ? row('Counters', stats) : []),
      ...(summary.lastError ? row('Last error', h('span', { class: 'last-error' }, summary.lastError)) : []),
      ...(pkg ? row('Package', h('span', { class: `badge ${pkg.signature.status}` }, pkg.signature.status), ' ', h('span', { class: 'muted' }, pkg.signature.detail)) : []),
    ),
    h(
      'div',
      { class: 'actions' },
      button(summary.enabled ? 'Disable' : 'Enable', summary.enabled ? 'Disable' : 'Enable', () => handlers.toggle(plugin)),
      button('Configure', 'Configure', () => handlers.configure(plugin)),
      update ? button(`Update to ${update.version.version}`, `Update to ${update.version.version}`, () => handlers.update(plugin, update), 'primary') : null,
      h('a', { href: `#/log?${new URLSearchParams({ plugin: subject })}`, 'aria-label': `Log of ${name}` }, 'Log'),
      canView ? h('a', { href: `view?${new URLSearchParams({ plugin: subject, settings: '' })}`, 'aria-label': `Settings view of ${name}` }, 'Settings view') : null,
      button('Uninstall', 'Uninstall', () => handlers.uninstall(plugin), 'danger'),
    ),
    form ?? null,
  );
}

/** Shows the installed plugins in `section`. */
export function renderInstalled(section: HTMLElement, serverUrl: string, cards: InstalledCard[], handlers: InstalledHandlers): void {
  section.querySelector<HTMLElement>('.empty')!.hidden = cards.length > 0;
  section.querySelector('.plugins')!.replaceChildren(...cards.map((c) => card(serverUrl, c, handlers)));
}
