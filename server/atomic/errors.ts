// The one catalog of errors the host can raise. Each code is stable (never reused once retired),
// has an HTTP status and a line in docs/errors.md; a test keeps the three in agreement.

import type { PropVals } from './json-ad.js';
import { classes, props } from './urls.js';

/** Every error code, with its HTTP status and a short title. */
export const errorCatalog = {
  INVALID_JSON: { status: 400, title: 'The body is not valid JSON' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The body has a content type this endpoint does not take' },
  BODY_TOO_LARGE: { status: 413, title: 'The body is larger than the server accepts' },
  INVALID_COMMIT: { status: 400, title: 'The commit is malformed' },
  INVALID_SIGNATURE: { status: 401, title: 'The signature does not match the signer' },
  UNKNOWN_SIGNER: { status: 401, title: 'The signer is not an agent this server can resolve' },
  COMMIT_TOO_OLD: { status: 400, title: 'The commit was signed too long ago' },
  COMMIT_IN_FUTURE: { status: 400, title: 'The commit is signed with a time in the future' },
  COMMIT_REPLAYED: { status: 409, title: 'This commit was already applied' },
  TOO_MANY_COMMITS: { status: 413, title: 'The batch holds more commits than are applied at once' },
  PREVIOUS_COMMIT_MISMATCH: { status: 409, title: 'The commit is based on an outdated version of the resource' },
  FOREIGN_SUBJECT: { status: 400, title: 'The subject is not on this server' },
  INVALID_SUBJECT: { status: 400, title: 'The subject is not a valid resource URL for this server' },
  INVALID_VALUE: { status: 400, title: 'A value does not match the datatype of its property' },
  NOT_FOUND: { status: 404, title: 'No resource with this subject' },
  UNAUTHORIZED: { status: 401, title: 'Sign in to see this resource' },
  FORBIDDEN: { status: 403, title: 'The agent lacks the rights for this' },
  INVALID_AUTH_HEADERS: { status: 401, title: 'The x-atomic-* authentication headers are incomplete or invalid' },
  INVALID_QUERY: { status: 400, title: 'A query parameter is invalid' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'This method is not allowed here' },
  NOT_ACCEPTABLE: { status: 406, title: 'None of the accepted media types can be served' },
  // Plugin packages (server/plugins/package.ts).
  NOT_A_ZIP: { status: 400, title: 'The package is not a zip archive' },
  CORRUPT_PACKAGE: { status: 400, title: 'The package zip is damaged or uses features packages may not use' },
  UNSAFE_PATH: { status: 400, title: 'The package holds a file at an unsafe path' },
  DUPLICATE_PATH: { status: 400, title: 'The package holds the same path twice' },
  TOO_MANY_FILES: { status: 413, title: 'The package holds too many files' },
  TOO_LARGE: { status: 413, title: 'The package is too large when unpacked' },
  MISSING_MANIFEST: { status: 400, title: 'The package has no plugin.json' },
  INVALID_MANIFEST: { status: 400, title: 'The package plugin.json is invalid' },
  MISSING_ENTRY: { status: 400, title: 'The package lacks the code file its manifest names' },
  INVALID_ENTRY: { status: 400, title: 'The package code file is not what its runtime loads' },
  UNEXPECTED_FILE: { status: 400, title: 'The package holds a file outside the package layout' },
  UNSIGNED: { status: 403, title: 'The package is not signed, and this host requires signed packages' },
  DIGEST_MISMATCH: { status: 400, title: 'The package content does not match its signature: it was changed after signing' },
  BAD_SIGNATURE: { status: 400, title: 'The package signature is invalid' },
  UNTRUSTED_PUBLISHER: { status: 403, title: 'The package is signed by a publisher this host does not trust' },
  CID_MISMATCH: { status: 400, title: 'The uploaded bytes do not have the CID they were uploaded for' },
  // Installed plugins.
  PLUGIN_INVALID: { status: 400, title: 'The Plugin resource cannot be installed' },
  PLUGIN_LOAD_FAILED: { status: 422, title: 'The plugin could not be loaded' },
  ENDPOINT_TAKEN: { status: 409, title: 'The plugin declares an endpoint that is already served' },
  PLUGIN_REQUIREMENT: { status: 409, title: 'The change would leave a plugin without a plugin it requires' },
  PLUGIN_REJECTED: { status: 403, title: 'A plugin refused the commit' },
  PLUGIN_FAILED: { status: 502, title: 'The plugin failed to answer' },
  PLUGIN_TIMEOUT: { status: 504, title: 'The plugin did not answer in time' },
  PLUGIN_DISABLED: { status: 409, title: 'The plugin is switched off' },
  PLUGIN_BUSY: { status: 409, title: 'The plugin changed while it was being restarted' },
  INTERNAL: { status: 500, title: 'The server failed' },
} as const satisfies Record<string, { status: number; title: string }>;

/** The JSON-AD Error resource (without @id) that reports an error to a client. */
export function errorResource(error: AtomicError): PropVals {
  return {
    [props.isA]: [classes.error],
    [props.name]: error.code,
    [props.description]: error.message,
  };
}

/** A stable error code. */
export type ErrorCode = keyof typeof errorCatalog;

/** The error callers of the host are expected to catch: a code, its status, and what went wrong. */
export class AtomicError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, detail?: string, options?: ErrorOptions) {
    const { title, status } = errorCatalog[code];
    super(detail ? `${title}: ${detail}` : title, options);
    this.name = 'AtomicError';
    this.code = code;
    this.status = status;
  }

  static invalidCommit(detail: string): AtomicError {
    return new AtomicError('INVALID_COMMIT', detail);
  }
}
