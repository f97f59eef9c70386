// Running the host in the foreground for `serve`: start it with port errors explained, describe
// what it serves, and wait for a signal to stop.

import type { Host, HostOptions } from '../../server/host.js';
import { ownerSecretPath } from '../../server/data-dir.js';
import { CliError, systemErrorCode } from './errors.js';
import { formatFields } from './output.js';

/** What `serve` reports once the host listens (its `--json` line). */
export interface ServeInfo {
  url: string;
  port: number;
  dataDir: string;
  /** The file holding the owner agent's secret. */
  agentSecretPath: string;
  /** The owner agent's subject. */
  owner: string;
  /** True when this start created the data folder and the owner agent. */
  initialized: boolean;
}

/**
 * Starts the host. A port that is taken or not allowed, or a listen address that does not exist,
 * becomes a {@link CliError} that says which flag to change.
 */
export async function startServer(options: HostOptions & { port: number; listenHost: string }): Promise<Host> {
  // Imported here rather than at the top: oclif loads every command module to list them, and the
  // host pulls in the store's native bindings, which `get` or `--help` have no use for.
  const { startHost } = await import('../../server/host.js');
  try {
    return await startHost(options);
  } catch (error) {
    const { port, listenHost } = options;
    switch (systemErrorCode(error)) {
      case 'EADDRINUSE':
        throw new CliError('PORT_IN_USE', `Cannot listen on ${listenHost}:${port}: the port is already in use`, [
          `pick another port with --port, e.g. \`atomic-plugin serve --port ${port === 65_535 ? 9884 : port + 1}\``,
          'or stop the program that uses it',
        ]);
      case 'EACCES':
        throw new CliError('PORT_NOT_ALLOWED', `Cannot listen on ${listenHost}:${port}: permission denied`, [
          'pick a port above 1023 with --port',
        ]);
      case 'EADDRNOTAVAIL':
      case 'ENOTFOUND':
        throw new CliError('PORT_NOT_ALLOWED', `Cannot listen on ${listenHost}:${port}: no network interface has that address`, [
          'use --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (all interfaces)',
        ]);
      default:
        throw error;
    }
  }
}

/** The facts `serve` prints about a started host. */
export function serveInfo(host: Host): ServeInfo {
  return {
    url: host.url,
    port: host.port,
    dataDir: host.dataDir,
    agentSecretPath: ownerSecretPath(host.dataDir),
    owner: host.owner.subject,
    initialized: host.initialized,
  };
}

/** The human version of {@link ServeInfo}. */
export function formatServeInfo(info: ServeInfo): string {
  return [
    `Serving ${info.url}`,
    formatFields([
      ['Dashboard', `${info.url}/_dashboard/ (sign in with the owner secret)`],
      ['Data folder', info.dataDir],
      ['Owner secret', info.initialized ? `${info.agentSecretPath} (created)` : info.agentSecretPath],
    ]),
  ].join('\n');
}

/**
 * Resolves with the first SIGINT or SIGTERM. A second one while the host is closing exits at once
 * (status 130), so a stuck shutdown can always be interrupted.
 */
export function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      const force = (): never => process.exit(130);
      process.once('SIGINT', force);
      process.once('SIGTERM', force);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
