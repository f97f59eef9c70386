// The installed plugins (#/installed): one card per Plugin resource with its state.

import type { DashboardApi } from './api.js';
import { find, h } from './dom.js';

/** Loads and shows the installed plugins in `section`. */
export async function renderInstalled(section: HTMLElement, api: DashboardApi): Promise<void> {
  const plugins = await api.installed();
  find('.empty', section).hidden = plugins.length > 0;
  find('.plugins', section).replaceChildren(
    ...plugins.map(({ subject, summary }) =>
      h('li', { class: 'card plugin', 'data-subject': subject }, h('h3', {}, summary.plugin || subject, h('span', { class: `badge ${summary.status}` }, summary.status))),
    ),
  );
}
