// HTTP answers of the plugin: the error every handler throws for a request it refuses, and how
// errors and JSON look on the wire (JSON `{"error": "...", ...details}`, so a refused UPDATE can
// name the subject it failed on).

import { HttpError, type HttpResponse } from 'atomic-plugin/sdk/node';

/** The SDK's refusal with extra JSON fields (`subject`, `code`). */
export class ProtocolError extends HttpError {
  constructor(
    status: number,
    message: string,
    readonly details: Readonly<Record<string, string | number>> = {},
    headers: Readonly<Record<string, string>> = {},
  ) {
    super(status, message, headers);
    this.name = 'ProtocolError';
  }
}

/** A JSON answer. */
export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(value) };
}

/** The answer for a refusal. */
export function errorReply(error: ProtocolError): HttpResponse {
  return jsonReply(error.status, { error: error.message, ...error.details }, { ...error.headers });
}

/** 405 with the methods that are allowed. */
export function methodNotAllowed(method: string, allowed: readonly string[], what: string): ProtocolError {
  return new ProtocolError(405, `${method} is not allowed on ${what}; use ${allowed.join(' or ')}`, {}, { allow: allowed.join(', ') });
}

/** The media type of a content-type header, lowercased, and its charset parameter if any. */
export function parseContentType(header: string | undefined): { mediaType: string; charset?: string } | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const [type = '', ...params] = header.split(';');
  const charset = params.map((p) => /^\s*charset\s*=\s*"?([^";\s]+)"?\s*$/i.exec(p)?.[1]).find((c) => c !== undefined);
  return charset === undefined ? { mediaType: type.trim().toLowerCase() } : { mediaType: type.trim().toLowerCase(), charset: charset.toLowerCase() };
}

/**
 * The media type of a request body, refusing (415) a missing one and a charset other than UTF-8:
 * bodies reach the plugin decoded as UTF-8.
 */
export function bodyMediaType(headers: Readonly<Record<string, string>>, what: string): string {
  const parsed = parseContentType(headers['content-type']);
  if (!parsed) throw new ProtocolError(415, `${what} needs a content-type header`);
  if (parsed.charset !== undefined && parsed.charset !== 'utf-8' && parsed.charset !== 'utf8') {
    throw new ProtocolError(415, `the body must be UTF-8, not ${parsed.charset}`);
  }
  return parsed.mediaType;
}
