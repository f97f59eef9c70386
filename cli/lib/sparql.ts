// `atomic-plugin sparql`: a query or update sent to a server's SPARQL endpoint (the atomic/sparql
// plugin's /sparql, or one of its datasets) by the SPARQL 1.1 Protocol, and the answer printed as
// a table, SPARQL JSON, CSV, TSV or Turtle.

import { readFileSync } from 'node:fs';
import type { AgentIdentity } from '../../server/atomic/agent.js';
import { CliError } from './errors.js';
import type { JsonValue } from './output.js';
import { request, type FetchedResource } from './server-client.js';

/** How the answer is printed. */
export const sparqlFormats = ['table', 'json', 'csv', 'tsv', 'turtle'] as const;
export type SparqlFormat = (typeof sparqlFormats)[number];

/** What each format asks the endpoint for: results first, graphs (CONSTRUCT, DESCRIBE) second. */
const ACCEPT: Record<SparqlFormat, string> = {
  table: 'application/sparql-results+json, text/turtle;q=0.9',
  json: 'application/sparql-results+json, application/ld+json;q=0.9',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  turtle: 'text/turtle',
};

/** How an update starts, after its prologue: for a hint when one is sent as a query. */
const UPDATE_START = /^\s*((BASE|PREFIX)[^\n]*\n\s*)*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b/i;

/** The answer: SPARQL JSON results, an update's summary, or text (CSV, TSV, Turtle). */
export interface SparqlAnswer {
  contentType: string;
  /** The parsed body when it is JSON. */
  data: JsonValue | undefined;
  text: string;
}

/**
 * The text of the query: the argument, else the file (`-` for stdin), else stdin when it is not a
 * terminal. Exactly one of the three.
 */
export function readSparqlText(arg: string | undefined, file: string | undefined, stdin: { isTTY?: boolean; read: () => string } = { isTTY: process.stdin.isTTY, read: () => readFileSync(0, 'utf8') }): string {
  if (arg !== undefined && file !== undefined) throw new CliError('INVALID_INPUT', 'Give the query as an argument or with --file, not both');
  let text: string;
  if (arg !== undefined) text = arg;
  else if (file === '-' || (file === undefined && !stdin.isTTY)) text = stdin.read();
  else if (file !== undefined) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new CliError('INVALID_INPUT', `Cannot read ${file}: ${(error as Error).message}`);
    }
  } else {
    throw new CliError('INVALID_INPUT', 'No query given', ['give it as an argument, with --file <path>, or on stdin']);
  }
  if (text.trim() === '') throw new CliError('INVALID_INPUT', 'The query is empty');
  return text;
}

/** The endpoint: the mirror at /sparql, or a dataset's. */
export function sparqlEndpoint(serverUrl: string, dataset: string | undefined): string {
  return dataset === undefined ? `${serverUrl}/sparql` : `${serverUrl}/sparql/datasets/${encodeURIComponent(dataset)}`;
}

/** Sends a query (POST application/sparql-query) or an update (POST application/sparql-update). */
export async function runSparql(endpoint: string, text: string, options: { update: boolean; format: SparqlFormat; agent?: AgentIdentity }): Promise<SparqlAnswer> {
  let fetched: FetchedResource;
  try {
    fetched = await request(endpoint, {
      method: 'POST',
      contentType: options.update ? 'application/sparql-update' : 'application/sparql-query',
      accept: options.update ? 'application/json' : ACCEPT[options.format],
      body: text,
      ...(options.agent ? { agent: options.agent } : {}),
    });
  } catch (error) {
    if (error instanceof CliError && /failed with 404/.test(error.message)) {
      throw new CliError('REQUEST_FAILED', `${endpoint} is not there: ${error.message.replace(/^.*failed with 404: /, '')}`, [
        'install the SPARQL plugin (`atomic-plugin install sparql`), or check --server and --dataset',
      ]);
    }
    if (error instanceof CliError && !options.update && /failed with 400/.test(error.message) && UPDATE_START.test(text)) {
      throw new CliError('REQUEST_FAILED', error.message, ['this looks like an update: add --update']);
    }
    throw error;
  }
  return { contentType: fetched.contentType, data: fetched.data, text: fetched.body };
}

type Binding = Record<string, { type: string; value: string; datatype?: string; 'xml:lang'?: string }>;

function cell(term: Binding[string] | undefined): string {
  if (!term) return '';
  if (term.type === 'uri') return `<${term.value}>`;
  if (term.type === 'bnode') return `_:${term.value}`;
  return term['xml:lang'] ? `"${term.value}"@${term['xml:lang']}` : term.value;
}

/** SPARQL JSON results as an aligned text table (a boolean as true or false). */
export function formatResultsTable(results: JsonValue): string {
  const json = results as { head?: { vars?: string[] }; boolean?: boolean; results?: { bindings?: Binding[] } };
  if (typeof json.boolean === 'boolean') return String(json.boolean);
  const vars = json.head?.vars ?? [];
  const rows = (json.results?.bindings ?? []).map((b) => vars.map((v) => cell(b[v]).replace(/\s+/g, ' ')));
  const widths = vars.map((v, i) => Math.max(v.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(vars), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), `(${rows.length} row${rows.length === 1 ? '' : 's'})`].join('\n');
}
