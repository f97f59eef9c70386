// A plugin's log (#/log?plugin={subject}): the newest lines the host kept for it
// (GET /plugins/logs, which needs write rights on the plugin), oldest first.

import type { LogLine } from './api.js';
import { h } from './dom.js';

/** Shows `lines` of `plugin`'s log in `section`. */
export function renderLog(section: HTMLElement, plugin: string, lines: LogLine[]): void {
  section.querySelector('#log-title')!.textContent = `Log of ${plugin}`;
  section.querySelector('.log-lines')!.replaceChildren(
    ...(lines.length === 0 ? [h('li', { class: 'muted' }, 'Nothing logged since the server started.')] : []),
    ...lines.map((line) => h('li', { class: line.level }, h('time', { datetime: new Date(line.at).toISOString() }, new Date(line.at).toLocaleTimeString()), ` ${line.level} ${line.message}`)),
  );
}
