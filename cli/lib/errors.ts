// The errors the CLI raises itself: one catalog of stable codes, each printed with what to do next.

import { Errors } from '@oclif/core';

/**
 * Every error code the CLI raises, with a short title. Codes are stable: a retired code is never
 * reused (retired: RUNTIME_NOT_YET). All of them exit with status 1 (oclif keeps 2 for flag and argument parsing errors).
 */
export const cliErrorCatalog = {
  SERVER_UNREACHABLE: 'The server could not be reached',
  REQUEST_FAILED: 'The server answered with an error',
  INVALID_RESPONSE: 'The server answered with something that is not the expected JSON-AD',
  INVALID_SERVER_URL: 'The server URL is not an http(s) URL',
  INVALID_SECRET: 'The agent secret cannot be decoded',
  NO_OWNER_AGENT: 'The data folder has no readable owner agent',
  PORT_IN_USE: 'The port is already in use',
  PORT_NOT_ALLOWED: 'The system does not allow listening on the port',
  NOT_JSON: 'The response is not JSON, so --json cannot print it',
  MISSING_SECRET: 'The command needs an agent secret and none was given',
  LOGIN_FAILED: 'The secret does not belong to an agent on the server',
  CONFIG_FILE_INVALID: 'The CLI config file cannot be read or written',
  INVALID_INPUT: 'An argument or flag value is not valid',
  FOLDER_NOT_EMPTY: 'The target folder exists and is not empty',
  NOT_INTERACTIVE: 'A question needs a terminal, and there is none',
  CANCELLED: 'The command was cancelled at a prompt',
  NOT_A_PLUGIN: 'The path or URL does not hold a plugin folder or package',
  BAD_MANIFEST: 'plugin.json is not a valid manifest',
  BUILD_FAILED: 'The compiler reported errors',
  COMPILER_NOT_FOUND: 'The compiler asked for is not installed',
  PLUGIN_START_FAILED: 'The built process plugin does not start',
  MISSING_EXPORT: 'A hook the manifest declares is not exported by the module',
  IMPORT_NOT_PERMITTED: 'The module imports host functions its permissions do not cover',
  INVALID_PACKAGE: 'The file is not a valid plugin package',
  VERIFY_FAILED: 'The package does not verify: digest, signature or publisher',
  DOWNLOAD_FAILED: 'The package could not be downloaded',
  INSTALL_REFUSED: 'The server refused to install, update or change the plugin',
  PLUGIN_NOT_FOUND: 'No installed plugin matches',
  PLUGIN_NOT_LIVE: 'The plugin did not become active',
  INVALID_CONFIG: 'The plugin config is not valid',
  CID_NOT_FOUND: 'The IPFS node does not have the content of the CID',
  CID_CONTENT_MISMATCH: 'The bytes the IPFS node returned do not have the CID asked for',
  IPFS_FAILED: 'The IPFS node could not be used',
  REGISTRY_NOT_FOUND: 'The server\'s registry lists no plugin of that name',
  NO_MATCHING_VERSION: 'No published version satisfies the range',
  PUBLISH_REFUSED: 'The server refused to record the release in its registry',
  TESTS_NOT_FOUND: 'The W3C test data for a conformance run is not there',
  RUNNER_NOT_INSTALLED: 'The conformance runner\'s development dependencies are not installed',
  REFERENCE_NOT_FOUND: 'No reference plugin has that short name',
  REFERENCE_INDEX_INVALID: 'The built reference plugins are missing or their index cannot be read',
  FIXTURE_INVALID: 'A conformance fixture file is not a valid scenario',
} as const satisfies Record<string, string>;

/** A stable CLI error code. */
export type CliErrorCode = keyof typeof cliErrorCatalog;

/**
 * An error the CLI expects and explains: oclif prints its message and suggestions without a stack
 * trace, and with `--json` as `{error: {code, message, ...}}`.
 *
 * @example throw new CliError('PORT_IN_USE', 'Port 9883 is already in use', ['pick another port with --port'])
 */
export class CliError extends Errors.CLIError {
  override readonly code: CliErrorCode;

  constructor(code: CliErrorCode, message: string, suggestions?: string[]) {
    super(message, { exit: 1, code, suggestions });
    this.code = code;
  }
}

/** The first `code` (EADDRINUSE, ECONNREFUSED, UND_ERR_SOCKET, ...) in an error's cause chain. */
export function systemErrorCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current);
    const { code, errors, cause } = current as { code?: unknown; errors?: unknown; cause?: unknown };
    if (typeof code === 'string') return code;
    // `fetch` to `localhost` may try ::1 and 127.0.0.1 and fail with an AggregateError of both.
    if (Array.isArray(errors)) {
      for (const inner of errors) {
        const innerCode = systemErrorCode(inner);
        if (innerCode) return innerCode;
      }
    }
    current = cause;
  }
  return undefined;
}
