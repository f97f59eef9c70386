// `atomic-plugin disable`: Switch an installed plugin off, keeping its config and data.

import { Args, Command } from '@oclif/core';
import { secretFlag, serverFlag } from '../lib/flags.js';
import { findInstallation, readInstallation, setEnabled, type PluginSummary } from '../lib/installations.js';
import { formatSummary } from '../lib/plugin-output.js';
import { requireAgent, resolveServerUrl } from '../lib/server-client.js';

export default class Disable extends Command {
  static override summary = 'Switch an installed plugin off, keeping its config and data.';

  static override description = "Stops the plugin's hooks, endpoints and schedules with a signed commit; its config, grants and key/value data stay. `<%= config.bin %> enable` switches it on again.";

  static override examples = [
    {
      description: 'Disable a plugin by name.',
      command: '<%= config.bin %> <%= command.id %> acme/hello',
    },
  ];

  static override enableJsonFlag = true;

  static override args = {
    plugin: Args.string({ description: 'The installed plugin: namespace/name or its subject.', required: true }),
  };

  static override flags = {
    server: serverFlag,
    secret: secretFlag,
  };

  public async run(): Promise<PluginSummary> {
    const { args, flags } = await this.parse(Disable);
    const serverUrl = resolveServerUrl(flags.server);
    const agent = requireAgent(flags.secret);
    const installed = await findInstallation(serverUrl, agent, args.plugin);
    await setEnabled(serverUrl, agent, installed, false);
    const { summary } = await readInstallation(serverUrl, agent, installed.subject);
    this.log(formatSummary(summary));
    return summary;
  }
}
