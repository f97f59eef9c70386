// The plugin store (#/store): the plugins published to this server's registry and the reference
// plugins shipped with atomic-plugin, each with its description, author, versions, the permissions
// it asks for with their reasons, and who signed it under this server's trust policy.

import type { StoreCatalog, StoreEntry, StoreVersion } from '../catalog-types.js';
import type { InstalledPlugin } from './api.js';
import { h } from './dom.js';
import type { StoreChoice } from './plugin-actions.js';

function trustLine(catalog: StoreCatalog): string {
  const { requireSignature, trustedPublishers } = catalog.trust;
  if (trustedPublishers.length > 0) return `This server runs only packages signed by its ${trustedPublishers.length} trusted publisher${trustedPublishers.length === 1 ? '' : 's'}.`;
  if (requireSignature) return 'This server runs only signed packages, by any publisher.';
  return 'This server runs any package, signed or not: check who signed what you install.';
}

function versionDetails(version: StoreVersion): HTMLElement {
  return h(
    'div',
    { class: 'version-details' },
    h('p', {}, h('span', { class: `badge ${version.signature.status}` }, version.signature.status), ' ', h('span', { class: 'muted' }, version.signature.detail)),
    h(
      'dl',
      {},
      h('dt', {}, 'Runtime'),
      h('dd', {}, version.runtime),
      h('dt', {}, 'Permissions'),
      h(
        'dd',
        {},
        version.permissions.length === 0
          ? h('span', { class: 'muted' }, 'none')
          : h('ul', { class: 'permissions' }, ...version.permissions.map((p) => h('li', {}, h('strong', {}, p.name), p.hosts ? ` (${p.hosts.join(', ')})` : '', `: ${p.reason}`))),
      ),
    ),
  );
}

function card(entry: StoreEntry, installed: InstalledPlugin | undefined, install: (choice: StoreChoice) => void): HTMLElement {
  const versions = entry.versions;
  let chosen = versions[0];
  const details = h('div', {}, chosen ? versionDetails(chosen) : null);
  const installButton = h('button', { type: 'button', class: 'primary', 'aria-label': `Install ${entry.plugin}` }, 'Install');
  installButton.disabled = !chosen || !chosen.signature.accepted;
  installButton.addEventListener('click', () => chosen && install({ entry, version: chosen }));
  let versionControl: HTMLElement | string = chosen?.version ?? 'none readable';
  if (versions.length > 1) {
    const select = h('select', { 'aria-label': `Version of ${entry.plugin}` }, ...versions.map((v, i) => h('option', { value: String(i) }, v.version)));
    select.addEventListener('change', () => {
      chosen = versions[Number(select.value)];
      details.replaceChildren(chosen ? versionDetails(chosen) : '');
      installButton.disabled = !chosen || !chosen.signature.accepted;
    });
    versionControl = select;
  }
  return h(
    'li',
    { class: 'card listing', 'data-plugin': entry.plugin, 'aria-label': entry.plugin },
    h('h3', {}, entry.plugin, h('span', { class: 'badge' }, entry.source === 'reference' ? 'reference' : 'registry')),
    entry.description ? h('p', {}, entry.description) : null,
    h('dl', {}, ...(entry.author ? [h('dt', {}, 'Author'), h('dd', {}, entry.author)] : []), h('dt', {}, versions.length > 1 ? 'Versions' : 'Version'), h('dd', {}, versionControl)),
    details,
    ...entry.problems.map((problem) => h('p', { class: 'last-error' }, problem)),
    h('div', { class: 'actions' }, installed ? h('p', { class: 'muted' }, `Installed: ${installed.summary.version} (`, h('a', { href: '#/installed' }, 'manage'), ')') : installButton),
  );
}

/** Shows the catalog in `section`; `installed` marks what is installed already. */
export function renderStore(section: HTMLElement, catalog: StoreCatalog, installed: InstalledPlugin[], install: (choice: StoreChoice) => void): void {
  section.querySelector('.trust')!.textContent = trustLine(catalog);
  section.querySelector<HTMLElement>('.empty')!.hidden = catalog.plugins.length > 0;
  section.querySelector('.listings')!.replaceChildren(
    ...catalog.plugins.map((entry) => card(entry, installed.find((p) => p.summary.plugin === entry.plugin), install)),
  );
}
