// Flags that several commands share, so each is spelled and explained the same way everywhere.

import { Flags } from '@oclif/core';
import { DEFAULT_SERVER_URL } from './server-client.js';

/** `--server <url>`: resolved by `resolveServerUrl` (flag, else $ATOMIC_SERVER_URL, else the config file, else the default). */
export const serverFlag = Flags.string({
  summary: `URL of the Atomic Data server [default: $ATOMIC_SERVER_URL, else the one saved by \`agent login\`, else ${DEFAULT_SERVER_URL}].`,
  helpValue: '<url>',
});

/** `--secret <secret>`: an agent secret to sign requests with, resolved by `resolveAgent`. */
export const secretFlag = Flags.string({
  summary: 'Agent secret to sign the request with [default: $ATOMIC_AGENT_SECRET, else the one saved by `agent login`].',
  description: 'Without a secret the request is anonymous (the public agent). Prefer `agent login` or the environment variable: a flag shows up in the process list and shell history.',
  helpValue: '<secret>',
});

/** `--data-dir <dir>`: the host's data folder, `defaultDataDir()` when absent. */
export const dataDirFlag = Flags.string({
  summary: 'Data folder of the server [default: $ATOMIC_PLUGIN_DATA_DIR, else $XDG_DATA_HOME/atomic-plugin, else ~/.local/share/atomic-plugin].',
  helpValue: '<dir>',
});

/** `--ipfs-api <url>`: a Kubo node's RPC API instead of the embedded IPFS node. */
export const ipfsApiFlag = Flags.string({
  summary: 'Use the Kubo node with this RPC API URL (e.g. http://127.0.0.1:5001) instead of the embedded IPFS node.',
  description: 'The embedded node is a blockstore in the data folder ($ATOMIC_PLUGIN_DATA_DIR, else $XDG_DATA_HOME/atomic-plugin, else ~/.local/share/atomic-plugin, then /ipfs); it never talks to the network.',
  helpValue: '<url>',
});

/** `--yes`: answer every question with its default and confirm, for scripts. */
export const yesFlag = Flags.boolean({
  char: 'y',
  summary: 'Do not ask: take the defaults and confirm (needed when there is no terminal).',
});
