// How installed plugins are shown to people: one plugin as labelled lines, several as a table.

import type { PluginSummary } from './installations.js';
import { formatFields } from './output.js';

/** One plugin: subject, status, version, endpoints, hooks, last error. */
export function formatSummary(plugin: PluginSummary): string {
  return formatFields([
    ['Subject', plugin.subject],
    ['Status', plugin.status],
    ['Version', plugin.version || '?'],
    ['Granted', plugin.granted.join(', ') || '(nothing)'],
    ['Endpoints', plugin.endpoints.join('\n') || '(none)'],
    ...(plugin.hooks.length > 0 ? ([['Hooks', plugin.hooks.join(', ')]] as const) : []),
    ...(plugin.lastError ? ([['Last error', plugin.lastError]] as const) : []),
  ]);
}

/** Several plugins as an aligned table: plugin, version, status, hooks, last error. */
export function formatTable(plugins: readonly PluginSummary[]): string {
  const rows = [
    ['PLUGIN', 'VERSION', 'STATUS', 'HOOKS', 'LAST ERROR'],
    ...plugins.map((p) => [
      p.plugin || p.subject,
      p.version || '?',
      p.status,
      [p.endpoints.length > 0 ? `${p.endpoints.length} endpoint${p.endpoints.length === 1 ? '' : 's'}` : '', ...p.hooks].filter(Boolean).join(', ') || '-',
      p.lastError ? p.lastError.replace(/\s+/g, ' ').slice(0, 80) : '-',
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}
