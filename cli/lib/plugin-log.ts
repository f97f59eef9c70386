// A plugin's log as the host keeps it (GET /plugins/logs, docs/design/plugin-host.md "Logs"):
// reading lines after a sequence number, long-polling for the next ones, and printing them.

import type { AgentIdentity } from '../../server/atomic/agent.js';
import type { JsonValue } from './output.js';
import { request } from './server-client.js';

type JsonObject = { [key: string]: JsonValue };

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One line of a plugin's log. */
export interface LogLine {
  seq: number;
  at: number;
  level: string;
  message: string;
}

/** Reads log lines after `after`; with `waitMs` the server holds the request until a line comes. */
export async function readLogs(serverUrl: string, agent: AgentIdentity, subject: string, after: number, waitMs = 0): Promise<{ lines: LogLine[]; next: number }> {
  const url = `${serverUrl}/plugins/logs?plugin=${encodeURIComponent(subject)}&after=${after}${waitMs > 0 ? `&wait=${waitMs}` : ''}`;
  const { data } = await request(url, { agent, accept: 'application/json', timeoutMs: waitMs + 15_000 });
  const rawLines = isObject(data) && Array.isArray(data.lines) ? data.lines : [];
  const lines = rawLines.flatMap((l) =>
    isObject(l) && typeof l.seq === 'number' && typeof l.message === 'string'
      ? [{ seq: l.seq, at: typeof l.at === 'number' ? l.at : 0, level: typeof l.level === 'string' ? l.level : 'info', message: l.message }]
      : [],
  );
  const next = isObject(data) && typeof data.next === 'number' ? data.next : (lines.at(-1)?.seq ?? after);
  return { lines, next };
}

/** A log line as text: ISO time, level, message. */
export function formatLogLine(line: LogLine): string {
  return `${new Date(line.at).toISOString()} ${line.level.padEnd(5)} ${line.message}`;
}
