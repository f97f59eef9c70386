// Signed requests from a page to its own server: the Atomic Data signing headers on every request
// (agent.ts), JSON bodies, and every refusal turned into an ApiError carrying the server's own
// message, so a page can show people why (the dashboard, the system monitor, the TODO app).

import { signedHeaders, type Agent } from './agent.js';

/** A request the server refused, or could not be made. */
export class ApiError extends Error {
  constructor(
    message: string,
    /** The HTTP status; 0 when the server could not be reached. */
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const DESCRIPTION = 'https://atomicdata.dev/properties/description';

/**
 * The message of an error answer: a plugin's `{"error": "..."}` or `{"error": {"message"}}`, or
 * the server's Error resource (its description); else the text itself when short.
 */
export async function errorMessage(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const error = body.error;
    if (typeof error === 'string') return typeof body.field === 'string' ? `${error} (${body.field})` : error;
    if (error !== null && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
    if (typeof body[DESCRIPTION] === 'string') return body[DESCRIPTION] as string;
  } catch {
    // not JSON: the text itself, if short enough to show
  }
  return text.length > 0 && text.length < 300 ? text : response.statusText || `HTTP ${response.status}`;
}

/** What {@link signedFetch} sends besides method and path. */
export interface SignedRequest {
  /** Sent as JSON unless `contentType` says otherwise (then it must be a string). */
  readonly body?: unknown;
  readonly contentType?: string;
  readonly accept?: string;
}

/**
 * Sends a request to `path` on this page's server, signed as `agent`; resolves to the response
 * when it is 2xx, rejects with an ApiError otherwise.
 */
export async function signedFetch(agent: Agent, method: string, path: string, request: SignedRequest = {}): Promise<Response> {
  const url = new URL(path, location.origin).href;
  const headers: Record<string, string> = { accept: request.accept ?? 'application/json', ...signedHeaders(agent, url) };
  let body: string | undefined;
  if (request.body !== undefined) {
    headers['content-type'] = request.contentType ?? 'application/json';
    body = request.contentType === undefined ? JSON.stringify(request.body) : String(request.body);
  }
  let response: Response;
  try {
    response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
  } catch (error) {
    throw new ApiError(`The server cannot be reached: ${(error as Error).message}`, 0);
  }
  if (!response.ok) throw new ApiError(await errorMessage(response), response.status);
  return response;
}
