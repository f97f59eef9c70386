// `atomic-plugin uninstall`: destroys a Plugin resource, which unloads the plugin and drops its data.

import { Args, Command } from '@oclif/core';
import { secretFlag, serverFlag, yesFlag } from '../lib/flags.js';
import { destroyInstallation, findInstallation, type PluginSummary } from '../lib/installations.js';
import { confirmOrStop } from '../lib/prompts.js';
import { requireAgent, resolveServerUrl } from '../lib/server-client.js';

export default class Uninstall extends Command {
  static override summary = 'Uninstall a plugin: its hooks stop and its stored data is removed.';

  static override description = `Destroys the Plugin resource with a signed commit. The host removes the plugin's hooks and endpoints, closes its sandbox and deletes its key/value data. The uploaded package stays on the server (packages are content-addressed and may be shared).`;

  static override examples = [
    {
      description: 'Uninstall by name.',
      command: '<%= config.bin %> <%= command.id %> acme/hello',
    },
    {
      description: 'Uninstall by subject, without a question.',
      command: '<%= config.bin %> <%= command.id %> http://localhost:9883/plugins/installed/acme-hello --yes',
    },
  ];

  static override enableJsonFlag = true;

  static override args = {
    plugin: Args.string({ description: 'The installed plugin: namespace/name or its subject.', required: true }),
  };

  static override flags = {
    server: serverFlag,
    secret: secretFlag,
    yes: yesFlag,
  };

  public async run(): Promise<PluginSummary> {
    const { args, flags } = await this.parse(Uninstall);
    const serverUrl = resolveServerUrl(flags.server);
    const agent = requireAgent(flags.secret);
    const installed = await findInstallation(serverUrl, agent, args.plugin);
    await confirmOrStop(`Uninstall ${installed.summary.plugin || installed.subject} and delete its data?`, flags.yes);
    await destroyInstallation(serverUrl, agent, installed.subject);
    this.log(`Uninstalled ${installed.summary.plugin || installed.subject} (${installed.subject})`);
    return { ...installed.summary, status: 'uninstalled' };
  }
}
