// `atomic-plugin enable`: Switch an installed plugin back on.

import { Args, Command } from '@oclif/core';
import { secretFlag, serverFlag } from '../lib/flags.js';
import { findInstallation, readInstallation, setEnabled, type PluginSummary } from '../lib/installations.js';
import { formatSummary } from '../lib/plugin-output.js';
import { requireAgent, resolveServerUrl } from '../lib/server-client.js';

export default class Enable extends Command {
  static override summary = 'Switch an installed plugin back on.';

  static override description = 'Loads the plugin again with a signed commit and clears the error the breaker left, if any. The host loads it before it accepts the commit, so a plugin that does not load stays off and the error says why.';

  static override examples = [
    {
      description: 'Enable a plugin by name.',
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
    const { args, flags } = await this.parse(Enable);
    const serverUrl = resolveServerUrl(flags.server);
    const agent = requireAgent(flags.secret);
    const installed = await findInstallation(serverUrl, agent, args.plugin);
    await setEnabled(serverUrl, agent, installed, true);
    const { summary } = await readInstallation(serverUrl, agent, installed.subject);
    this.log(formatSummary(summary));
    return summary;
  }
}
