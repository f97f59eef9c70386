// `atomic-plugin update`: swaps an installed plugin's package for another version.

import { Args, Command, Flags } from '@oclif/core';
import { ipfsApiFlag, secretFlag, serverFlag, yesFlag } from '../lib/flags.js';
import { update, type InstallResult } from '../lib/install.js';
import { progress } from '../lib/output.js';
import { formatSummary } from '../lib/plugin-output.js';
import { requireAgent, resolveServerUrl } from '../lib/server-client.js';

export default class Update extends Command {
  static override summary = 'Update an installed plugin to another version of its package.';

  static override description = `Without a source, a reference plugin is updated to the version shipped with this atomic-plugin, any other plugin to the newest version in the server's registry that is compatible with the installed one (namespace/name@^installed). A source is what \`install\` takes: a folder, zip, URL, ipfs://<cid>, namespace/name[@range] or a reference plugin's short name. Uploads the new package (a folder is built first) and points the Plugin resource at it with a signed commit. The host loads the new version before it accepts the commit and swaps it in without a restart; if the new version does not load, the old one keeps serving. New permissions the version asks for are shown before you confirm.`;

  static override examples = [
    {
      description: 'Update to the newest compatible version published in the server\'s registry.',
      command: '<%= config.bin %> <%= command.id %> acme/hello --yes',
    },
    {
      description: 'Update the SPARQL reference plugin to the version shipped with this atomic-plugin.',
      command: '<%= config.bin %> <%= command.id %> sparql --yes',
    },
    {
      description: 'Update from the plugin\'s folder.',
      command: '<%= config.bin %> <%= command.id %> acme/hello .',
    },
    {
      description: 'Update to a given package in a script.',
      command: '<%= config.bin %> <%= command.id %> acme/hello dist/acme-hello-0.2.0.zip --yes',
    },
  ];

  static override enableJsonFlag = true;

  static override args = {
    plugin: Args.string({ description: 'The installed plugin: namespace/name, its subject, or a reference plugin\'s short name.', required: true }),
    source: Args.string({ description: 'Plugin folder, package zip, http(s) URL, ipfs://<cid>, namespace/name[@range] or a reference plugin\'s short name [default: the shipped version of a reference plugin, else the newest compatible version in the registry].' }),
  };

  static override flags = {
    server: serverFlag,
    secret: secretFlag,
    config: Flags.string({ summary: 'Replace the config too, as JSON or @file.', helpValue: '<json|@file>' }),
    grant: Flags.string({ summary: 'Grant only these permissions (comma-separated) [default: all it asks for].', multiple: true, multipleNonGreedy: true, helpValue: '<permissions>' }),
    'ipfs-api': ipfsApiFlag,
    yes: yesFlag,
  };

  public async run(): Promise<InstallResult> {
    const { args, flags } = await this.parse(Update);
    const result = await update({
      serverUrl: resolveServerUrl(flags.server),
      agent: requireAgent(flags.secret),
      plugin: args.plugin,
      ...(args.source === undefined ? {} : { source: args.source }),
      ...(flags['ipfs-api'] ? { ipfsApi: flags['ipfs-api'] } : {}),
      grant: flags.grant,
      config: flags.config,
      yes: flags.yes,
      progress,
    });
    this.log(`Updated ${result.plugin} ${result.previousVersion ?? '?'} → ${result.version}\n${formatSummary(result)}`);
    return result;
  }
}
