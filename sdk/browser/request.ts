// Requests from a page to its server as the signed-in agent: each one signed (agent.ts), and each
// refusal turned into a RequestError carrying the server's own explanation (the description of
// its Error resource, or a plugin's `{"error": ...}`), so that pages can show it as it is.

import { signedHeaders, type Agent } from './agent.js';

/** A request the server refused, or could not be made. */
export class RequestError extends Error {
  constructor(
    message: string,
    /** The HTTP status; 0 when the server could not be reached. */
    readonly status: number,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

const DESCRIPTION = 'https://atomicdata.dev/properties/description';

/** What a refusal says: an Error resource's description, `{"error": ...}`, or short text. */
export async function refusalMessage(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const { error } = body;
    if (typeof error === 'string') return typeof body.field === 'string' ? `${error} (${body.field})` : error;
    if (error !== null && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
    if (typeof body[DESCRIPTION] === 'string') return body[DESCRIPTION] as string;
  } catch {
    // not JSON: the text itself, if short enough to show
  }
  return text.length > 0 && text.length < 300 ? text : response.statusText || `HTTP ${response.status}`;
}

/** How to make a request; the body is sent as JSON unless it is bytes or a string with a contentType. */
export interface RequestOptions {
  method?: string;
  accept?: string;
  body?: unknown;
  contentType?: string;
}

/**
 * Makes a request to `path` (relative to this page's origin, or absolute) signed as `agent`
 * (anonymous when null); resolves with the response when it is a success, else throws RequestError.
 */
export async function signedFetch(agent: Agent | null, path: string, options: RequestOptions = {}): Promise<Response> {
  const url = new URL(path, location.origin).href;
  const headers: Record<string, string> = { accept: options.accept ?? 'application/json', ...(agent ? signedHeaders(agent, url) : {}) };
  let body: BodyInit | undefined;
  if (options.body !== undefined) {
    const raw = typeof options.body === 'string' || options.body instanceof Uint8Array;
    headers['content-type'] = options.contentType ?? 'application/json';
    body = raw ? (options.body as BodyInit) : JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(url, { method: options.method ?? 'GET', headers, ...(body === undefined ? {} : { body }) });
  } catch (error) {
    throw new RequestError(`The server cannot be reached: ${(error as Error).message}`, 0);
  }
  if (!response.ok) throw new RequestError(await refusalMessage(response), response.status);
  return response;
}
