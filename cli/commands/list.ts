// `atomic-plugin list`: the plugins installed on a server, with their state.

import { Command } from '@oclif/core';
import { secretFlag, serverFlag } from '../lib/flags.js';
import { listInstallations, type PluginSummary } from '../lib/installations.js';
import { formatTable } from '../lib/plugin-output.js';
import { requireAgent, resolveServerUrl } from '../lib/server-client.js';

export default class List extends Command {
  static override summary = 'List installed plugins: status, version, hooks, last error.';

  static override description = 'Shows every Plugin resource on the server that the agent can read, with the state the host reports for it: active, disabled or failed, the version it runs, its endpoints and other hooks, and its last error.';

  static override examples = [
    {
      description: 'A table of the plugins on the default server.',
      command: '<%= config.bin %> <%= command.id %>',
    },
    {
      description: 'The same for scripts.',
      command: '<%= config.bin %> <%= command.id %> --json',
    },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    server: serverFlag,
    secret: secretFlag,
  };

  public async run(): Promise<PluginSummary[]> {
    const { flags } = await this.parse(List);
    const serverUrl = resolveServerUrl(flags.server);
    const plugins = (await listInstallations(serverUrl, requireAgent(flags.secret))).map((p) => p.summary);
    this.log(plugins.length > 0 ? formatTable(plugins) : `No plugins are installed on ${serverUrl}.`);
    return plugins;
  }
}
