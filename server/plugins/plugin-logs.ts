// What each installed plugin logged (its `log` host function, and the host's notes about its
// failures), kept per Plugin resource across reloads and updates, and the route that serves it:
// GET /plugins/logs?plugin={subject}&after={seq}&limit={n}&wait={ms}. `wait` long-polls for lines
// after `after`, which is how `atomic-plugin logs -f` follows a plugin. Reading a plugin's log
// needs write rights on its resource: logs can hold what the plugin saw.
//
// Kept in memory, per host process: the newest MAX_LINES per plugin.

import { AtomicError } from '../atomic/errors.js';
import type { HttpResponse, Route } from '../http/app.js';
import type { StoreReader } from '../store/store.js';
import { requireOperator } from './plugin-operator.js';

/** A line of a plugin's log. */
export interface LogLine {
  /** Increases by one per line of this plugin, from 1. */
  readonly seq: number;
  readonly at: number;
  readonly level: string;
  readonly message: string;
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const MAX_LINES = 1000;
const MAX_MESSAGE_CHARS = 4000;
const MAX_WAIT_MS = 30_000;
const PATH = '/plugins/logs';

interface Log {
  lines: LogLine[];
  seq: number;
  waiters: Set<() => void>;
}

export class PluginLogs {
  readonly #logs = new Map<string, Log>();

  #log(plugin: string): Log {
    let log = this.#logs.get(plugin);
    if (!log) {
      log = { lines: [], seq: 0, waiters: new Set() };
      this.#logs.set(plugin, log);
    }
    return log;
  }

  append(plugin: string, level: string, message: string): void {
    const log = this.#log(plugin);
    const known = (LOG_LEVELS as readonly string[]).includes(level) ? level : 'info';
    log.lines.push({ seq: ++log.seq, at: Date.now(), level: known, message: message.slice(0, MAX_MESSAGE_CHARS) });
    if (log.lines.length > MAX_LINES) log.lines.splice(0, log.lines.length - MAX_LINES);
    for (const wake of log.waiters) wake();
    log.waiters.clear();
  }

  /** Lines after `after`, oldest first, at most `limit`. */
  read(plugin: string, after = 0, limit = MAX_LINES): LogLine[] {
    const lines = this.#logs.get(plugin)?.lines ?? [];
    const start = lines.findIndex((line) => line.seq > after);
    return start === -1 ? [] : lines.slice(start, start + limit);
  }

  /** Resolves when `plugin` logs a line after `after`, or after `ms`. */
  wait(plugin: string, after: number, ms: number): Promise<void> {
    const log = this.#log(plugin);
    if (log.seq > after) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        log.waiters.delete(done);
        resolve();
      }
      log.waiters.add(done);
    });
  }

  /** Forgets a plugin's log (uninstalled). */
  forget(plugin: string): void {
    const log = this.#logs.get(plugin);
    if (!log) return;
    for (const wake of log.waiters) wake();
    this.#logs.delete(plugin);
  }
}

function integer(params: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = params.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new AtomicError('INVALID_QUERY', `${name} must be a whole number ≥ 0, not "${raw}"`);
  return Math.min(value, max);
}

/** The route serving plugin logs as JSON: `{ plugin, lines: [LogLine], next }`. */
export function pluginLogRoute(logs: PluginLogs, store: StoreReader): Route {
  return {
    matches: (path) => path === PATH,
    async handle(request, { agent }): Promise<HttpResponse> {
      if (request.method !== 'GET') throw new AtomicError('METHOD_NOT_ALLOWED', `GET ${PATH}?plugin={subject}`);
      const params = new URLSearchParams(request.url.split('?')[1] ?? '');
      const plugin = params.get('plugin');
      if (!plugin) throw new AtomicError('INVALID_QUERY', `name the plugin: ${PATH}?plugin={the subject of its Plugin resource}`);
      const after = integer(params, 'after', 0, Number.MAX_SAFE_INTEGER);
      const limit = integer(params, 'limit', MAX_LINES, MAX_LINES);
      const wait = integer(params, 'wait', 0, MAX_WAIT_MS);
      requireOperator(store, plugin, agent, 'read the log of');
      let lines = logs.read(plugin, after, limit);
      if (lines.length === 0 && wait > 0) {
        await logs.wait(plugin, after, wait);
        lines = logs.read(plugin, after, limit);
      }
      const next = lines.at(-1)?.seq ?? after;
      return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ plugin, lines, next }) };
    },
  };
}
