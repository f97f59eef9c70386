// Talking to an Atomic Data server from the CLI: which server to use, signed GETs, posting commits,
// and network or server errors turned into messages that say what to do.

import { decodeSecret, type AgentIdentity } from '../../server/atomic/agent.js';
import { signRequestHeaders } from '../../server/atomic/auth.js';
import { commitToPropVals, type Commit } from '../../server/atomic/commit.js';
import type { PropVals } from '../../server/atomic/json-ad.js';
import { props } from '../../server/atomic/urls.js';
import { readCliConfig, type CliConfig } from './cli-config.js';
import { CliError, systemErrorCode } from './errors.js';
import type { JsonValue } from './output.js';

/** The server the CLI talks to when neither `--server` nor `$ATOMIC_SERVER_URL` says otherwise. */
export const DEFAULT_SERVER_URL = 'http://localhost:9883';

/** The JSON-AD media type, asked for and sent by default. */
export const JSON_AD = 'application/ad+json';

/** The largest package download: what a server accepts as an upload. */
const MAX_DOWNLOAD_BYTES = 64 << 20;

/** How long a request may take before the CLI gives up on the server. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The server URL from the flag, else `$ATOMIC_SERVER_URL`, else the CLI config file (written by
 * `agent login`), else {@link DEFAULT_SERVER_URL}, without a trailing slash (agent and commit URLs
 * are built by appending paths to it).
 *
 * @example resolveServerUrl(undefined, {}, {}) // 'http://localhost:9883'
 */
export function resolveServerUrl(flag?: string, env: NodeJS.ProcessEnv = process.env, file?: CliConfig): string {
  const fromFile = flag || env.ATOMIC_SERVER_URL ? undefined : (file ?? readCliConfig(env)).server;
  const raw = flag || env.ATOMIC_SERVER_URL || fromFile || DEFAULT_SERVER_URL;
  const source = flag ? '--server' : env.ATOMIC_SERVER_URL ? 'ATOMIC_SERVER_URL' : fromFile ? 'the config file' : 'the default';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError('INVALID_SERVER_URL', `Invalid server URL from ${source}: ${raw} is not an http(s) URL`, [
      `give one like ${DEFAULT_SERVER_URL}`,
    ]);
  }
  return raw.replace(/\/+$/, '');
}

/**
 * An absolute URL stays as it is; a path such as `/agents` is resolved against the server URL. The
 * root (`/`) is the bare origin, as Atomic Data names a server's drive: that is the URL the server
 * expects a signed request to name, although HTTP can only send it as "/".
 *
 * @example resolveSubjectUrl('/agents', 'http://localhost:9883') // 'http://localhost:9883/agents'
 */
export function resolveSubjectUrl(subject: string, serverUrl: string): string {
  const url = /^https?:\/\//i.test(subject) ? subject : subject.startsWith('/') ? `${serverUrl}${subject}` : `${serverUrl}/${subject}`;
  return /^https?:\/\/[^/?#]+\/$/i.test(url) ? url.slice(0, -1) : url;
}

/**
 * The agent whose secret is given by the flag, else `$ATOMIC_AGENT_SECRET`, else the CLI config
 * file; `undefined` when none has one.
 */
export function resolveAgent(flag?: string, env: NodeJS.ProcessEnv = process.env, file?: CliConfig): AgentIdentity | undefined {
  const fromFile = flag || env.ATOMIC_AGENT_SECRET ? undefined : (file ?? readCliConfig(env)).secret;
  const secret = flag || env.ATOMIC_AGENT_SECRET || fromFile;
  if (!secret) return undefined;
  const source = flag ? '--secret' : env.ATOMIC_AGENT_SECRET ? 'ATOMIC_AGENT_SECRET' : 'the config file';
  try {
    return decodeSecret(secret);
  } catch (error) {
    const detail = (error as Error).message.replace(/^Invalid agent secret: /, '');
    throw new CliError('INVALID_SECRET', `Invalid agent secret in ${source}: ${detail}`, [
      'copy the whole secret printed by `atomic-plugin agent show` or `atomic-plugin agent create`',
    ]);
  }
}

/** Like {@link resolveAgent}, but a missing secret is a MISSING_SECRET error that says where to put one. */
export function requireAgent(flag?: string, env: NodeJS.ProcessEnv = process.env): AgentIdentity {
  const agent = resolveAgent(flag, env);
  if (agent) return agent;
  throw new CliError('MISSING_SECRET', 'This command acts as an agent, and no agent secret was given', [
    'run `atomic-plugin agent login` once, or set ATOMIC_AGENT_SECRET, or pass --secret',
    "on a server you run yourself, the owner's secret is printed by `atomic-plugin agent show`",
  ]);
}

/** A successful response. */
export interface FetchedResource {
  /** The URL that was requested. */
  url: string;
  status: number;
  contentType: string;
  /** The body as text. */
  body: string;
  /** The body parsed, when the server sent JSON of any flavour; otherwise `undefined`. */
  data: JsonValue | undefined;
}

/** Options of {@link fetchResource}. */
export interface FetchOptions {
  /** Sign the request as this agent (x-atomic-* headers). */
  agent?: AgentIdentity;
  /** The media type to ask for; JSON-AD when absent. */
  accept?: string;
}

/**
 * GETs `url`, signed when an agent is given. Throws a {@link CliError} when the server cannot be
 * reached or answers with a non-2xx status (its message carries the server's error description).
 */
export async function fetchResource(url: string, options: FetchOptions = {}): Promise<FetchedResource> {
  const headers: Record<string, string> = { accept: options.accept ?? JSON_AD };
  if (options.agent) Object.assign(headers, signRequestHeaders(url, options.agent));
  const { response, body } = await send('GET', url, { headers });
  if (!response.ok) throw requestFailed('GET', url, response, body, options.agent !== undefined);
  const contentType = response.headers.get('content-type') ?? '';
  return { url, status: response.status, contentType, body, data: isJsonMediaType(contentType) ? parseJson(body) : undefined };
}

/**
 * POSTs a signed commit as JSON-AD to `{serverUrl}/commit` and returns the stored commit. Anything
 * but 200 throws a {@link CliError} with the server's error description.
 */
export async function postCommit(serverUrl: string, commit: Commit): Promise<PropVals> {
  const url = `${serverUrl}/commit`;
  const { response, body } = await send('POST', url, {
    headers: { 'content-type': JSON_AD, accept: JSON_AD },
    body: JSON.stringify(commitToPropVals(commit)),
  });
  if (response.status !== 200) throw requestFailed('POST', url, response, body, true);
  const stored = parseJson(body);
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) {
    throw new CliError('INVALID_RESPONSE', `POST ${url} answered 200 but not with the stored commit as JSON-AD: ${body.slice(0, 200)}`);
  }
  return stored as PropVals;
}

/** Like {@link fetchResource}, but a 404 is `undefined` instead of an error. */
export async function fetchIfExists(url: string, options: FetchOptions = {}): Promise<FetchedResource | undefined> {
  const headers: Record<string, string> = { accept: options.accept ?? JSON_AD };
  if (options.agent) Object.assign(headers, signRequestHeaders(url, options.agent));
  const { response, body } = await send('GET', url, { headers });
  if (response.status === 404) return undefined;
  if (!response.ok) throw requestFailed('GET', url, response, body, options.agent !== undefined);
  const contentType = response.headers.get('content-type') ?? '';
  return { url, status: response.status, contentType, body, data: isJsonMediaType(contentType) ? parseJson(body) : undefined };
}

/**
 * GETs raw bytes (a package zip), signed when an agent is given, within `maxBytes` (a package's
 * limit by default) and the request timeout; a non-2xx answer or a larger body is DOWNLOAD_FAILED.
 */
export async function fetchBytes(url: string, agent?: AgentIdentity, maxBytes = MAX_DOWNLOAD_BYTES): Promise<Uint8Array> {
  const headers: Record<string, string> = { accept: 'application/zip, application/octet-stream, */*' };
  if (agent) Object.assign(headers, signRequestHeaders(url, agent));
  let response: Response;
  let bytes: Uint8Array;
  const tooLarge = () => new CliError('DOWNLOAD_FAILED', `GET ${url}: the answer is larger than ${maxBytes} bytes, more than a plugin package may be`);
  try {
    response = await fetch(url, { headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
      await response.body?.cancel();
      throw tooLarge();
    }
    // Read chunk by chunk so that a server that lies about (or omits) its length is cut off too.
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body ?? []) {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge();
      chunks.push(chunk);
    }
    bytes = new Uint8Array(Buffer.concat(chunks));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw unreachable(url, error);
  }
  if (!response.ok) {
    const text = Buffer.from(bytes).toString('utf8');
    throw new CliError('DOWNLOAD_FAILED', `GET ${url} failed with ${response.status}: ${errorDescription(text) ?? (text.trim().slice(0, 200) || response.statusText)}`, [
      'check the URL; it must point at a plugin package zip',
    ]);
  }
  return bytes;
}

/** Options of {@link request}. */
export interface RequestOptions {
  method?: string;
  agent?: AgentIdentity;
  accept?: string;
  contentType?: string;
  body?: Uint8Array | string;
  /** Longer than the default timeout, for long polls. */
  timeoutMs?: number;
}

/**
 * Any request, signed when an agent is given; a non-2xx answer throws a REQUEST_FAILED
 * {@link CliError} carrying the server's error description. Returns the parsed JSON body, if any.
 */
export async function request(url: string, options: RequestOptions = {}): Promise<FetchedResource> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: options.accept ?? JSON_AD };
  if (options.contentType) headers['content-type'] = options.contentType;
  if (options.agent) Object.assign(headers, signRequestHeaders(url, options.agent));
  const { response, body } = await send(method, url, { headers, ...(options.body === undefined ? {} : { body: options.body }) }, options.timeoutMs);
  if (!response.ok) throw requestFailed(method, url, response, body, options.agent !== undefined);
  const contentType = response.headers.get('content-type') ?? '';
  return { url, status: response.status, contentType, body, data: isJsonMediaType(contentType) ? parseJson(body) : undefined };
}

/** A JSON-AD commit refusal: the status and the server's description, without throwing. */
export interface CommitRefusal {
  status: number;
  description: string;
}

/**
 * Like {@link postCommit}, but a 4xx refusal is returned instead of thrown, so that a caller can
 * explain it in its own terms (a config that fails its schema, a package that does not load).
 */
export async function tryPostCommit(serverUrl: string, commit: Commit): Promise<{ ok: true; stored: PropVals } | { ok: false; refusal: CommitRefusal }> {
  const url = `${serverUrl}/commit`;
  const { response, body } = await send('POST', url, {
    headers: { 'content-type': JSON_AD, accept: JSON_AD },
    body: JSON.stringify(commitToPropVals(commit)),
  });
  if (response.status >= 400 && response.status < 500) {
    return { ok: false, refusal: { status: response.status, description: errorDescription(body) ?? (body.trim().slice(0, 500) || response.statusText) } };
  }
  if (response.status !== 200) throw requestFailed('POST', url, response, body, true);
  const stored = parseJson(body);
  return { ok: true, stored: (typeof stored === 'object' && stored !== null && !Array.isArray(stored) ? stored : {}) as PropVals };
}

/**
 * The description of a JSON-AD Error resource (or of a plain-JSON one, keyed by shortname, or a
 * plugin's `{"error": "..."}`); `undefined` when the body is none of these.
 */
export function errorDescription(body: string): string | undefined {
  const parsed = parseJson(body);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const description = parsed[props.description] ?? parsed.description ?? parsed.error;
  return typeof description === 'string' && description !== '' ? description : undefined;
}

/** Sends a request and reads its body; network failures become a SERVER_UNREACHABLE CliError. */
async function send(method: string, url: string, init: RequestInit, timeoutMs = REQUEST_TIMEOUT_MS): Promise<{ response: Response; body: string }> {
  try {
    const response = await fetch(url, { ...init, method, signal: AbortSignal.timeout(timeoutMs) });
    return { response, body: await response.text() };
  } catch (error) {
    throw unreachable(url, error);
  }
}

function unreachable(url: string, error: unknown): CliError {
  let origin = url;
  try {
    origin = new URL(url).origin;
  } catch {
    // Keep the URL as given: it is what the user typed.
  }
  const code = systemErrorCode(error);
  const name = error instanceof Error ? error.name : '';
  if (code === 'ECONNREFUSED') {
    return new CliError('SERVER_UNREACHABLE', `Cannot reach ${origin}: is the server running? Start it with \`atomic-plugin serve\`.`);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new CliError('SERVER_UNREACHABLE', `Cannot reach ${origin}: the host name does not resolve`, [
      'check the URL given with --server or ATOMIC_SERVER_URL',
    ]);
  }
  if (name === 'TimeoutError') {
    return new CliError('SERVER_UNREACHABLE', `Cannot reach ${origin}: no answer within ${REQUEST_TIMEOUT_MS / 1000} s`);
  }
  if (code) return new CliError('SERVER_UNREACHABLE', `Cannot reach ${origin}: ${code}`);
  return new CliError('SERVER_UNREACHABLE', `Cannot reach ${origin}: ${innermostMessage(error)}`);
}

/** The message of the last error in the cause chain: `fetch failed` itself says nothing, its cause does. */
function innermostMessage(error: unknown): string {
  let message = String(error);
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 10; depth++) {
    message = current.message;
    current = current.cause;
  }
  return message;
}

function requestFailed(method: string, url: string, response: Response, body: string, signed: boolean): CliError {
  const description = errorDescription(body) ?? (body.trim().slice(0, 500) || response.statusText || 'no description');
  const suggestions: string[] = [];
  if (response.status === 401 && !signed) {
    suggestions.push('sign the request with --secret or ATOMIC_AGENT_SECRET (the owner\'s secret is shown by `atomic-plugin agent show`)');
  } else if (response.status === 403) {
    suggestions.push('use the secret of an agent that has rights on this resource');
  }
  return new CliError('REQUEST_FAILED', `${method} ${url} failed with ${response.status}: ${description}`, suggestions);
}

function isJsonMediaType(contentType: string): boolean {
  return /^application\/([\w.-]+\+)?json\b/i.test(contentType.trim());
}

function parseJson(text: string): JsonValue | undefined {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}
