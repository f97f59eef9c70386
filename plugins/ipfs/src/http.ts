// HTTP answers of the plugin: the error every handler throws for a request it refuses, and JSON
// on the wire (`{"error": "..."}` for refusals).

import { HostError, json, type HttpResponse } from 'atomic-plugin/sdk/node';

/** A refusal with its HTTP status, message and extra headers. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The answer for a refusal. */
export function errorReply(error: HttpError): HttpResponse {
  return json(error.status, { error: error.message }, { ...error.headers });
}

/** A required query parameter, or a 400 naming it. */
export function required(query: Readonly<Record<string, string>>, name: string, what: string): string {
  const value = query[name];
  if (value === undefined || value === '') throw new HttpError(400, `give ${what} as ?${name}=`);
  return value;
}

/** A commit the server refused, as HTTP: 401/403 for rights, 400 for values it does not take. */
export function commitRefusal(error: unknown): unknown {
  if (!(error instanceof HostError)) return error;
  const status = error.code === 'UNAUTHORIZED' ? 401 : error.code === 'FORBIDDEN' ? 403 : 400;
  return new HttpError(status, `the server refused the commit: ${error.message}`);
}
