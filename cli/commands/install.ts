// `atomic-plugin install`: a plugin folder, zip, URL, CID, registry name or reference plugin to a
// running plugin on a server.

import { Args, Command, Flags } from '@oclif/core';
import { ipfsApiFlag, secretFlag, serverFlag, yesFlag } from '../lib/flags.js';
import { install, type InstallResult } from '../lib/install.js';
import { progress } from '../lib/output.js';
import { formatSummary } from '../lib/plugin-output.js';
import { requireAgent, resolveServerUrl } from '../lib/server-client.js';

export default class Install extends Command {
  static override summary = 'Install a plugin on a server and wait until it runs.';

  static override description = `The source is a plugin folder (built first, as by \`<%= config.bin %> build\`), a package zip, an http(s) URL of one (downloaded by the CLI, at most 64 MiB, then uploaded), ipfs://<cid> (from the embedded IPFS node or --ipfs-api, checked against the CID here and again by the server), namespace/name[@range] from the server's registry (the newest published version in the range; see \`<%= config.bin %> publish\`), or the short name of a reference plugin shipped with atomic-plugin (sparql, crud, todo, ...: built and signed into its dist/plugins/ by its own build, installed offline; the package must have the digest its index records and be signed by the index's publisher key). A path that exists is always taken as a path, also over a reference plugin's name. The package is checked (layout, manifest, and that a signature matches the files), its permissions are shown with their reasons, and after you confirm it is uploaded and installed with a signed commit that creates its Plugin resource. The server verifies and loads it before it accepts the commit, so a plugin that does not load leaves nothing behind. Then its endpoints are printed.

Without a terminal, pass --yes to confirm. The agent needs write rights on the drive (the server's owner has them).`;

  static override examples = [
    {
      description: 'Build and install the plugin in the current folder.',
      command: '<%= config.bin %> <%= command.id %> .',
    },
    {
      description: 'Install a package in a script, granting only one of the permissions it asks for.',
      command: '<%= config.bin %> <%= command.id %> dist/acme-hello-0.1.0.zip --grant read --yes --json',
    },
    {
      description: 'Install the SPARQL reference plugin shipped with atomic-plugin.',
      command: '<%= config.bin %> <%= command.id %> sparql --yes',
    },
    {
      description: 'Install the newest 1.x release of a plugin from the server\'s registry.',
      command: '<%= config.bin %> <%= command.id %> acme/hello@^1 --yes',
    },
    {
      description: 'Install a package by its IPFS CID, as printed by `publish --ipfs`.',
      command: '<%= config.bin %> <%= command.id %> ipfs://QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o --yes',
    },
    {
      description: 'Install with a config from a file.',
      command: '<%= config.bin %> <%= command.id %> https://example.com/acme-hello-0.1.0.zip --config @hello-config.json',
    },
  ];

  static override enableJsonFlag = true;

  static override args = {
    source: Args.string({ description: 'Plugin folder, package zip, http(s) URL of a package zip, ipfs://<cid>, namespace/name[@range], or a reference plugin\'s short name.', required: true }),
  };

  static override flags = {
    server: serverFlag,
    secret: secretFlag,
    config: Flags.string({ summary: 'The config, as JSON or @file [default: the plugin\'s defaultConfig].', helpValue: '<json|@file>' }),
    grant: Flags.string({ summary: 'Grant only these permissions (comma-separated) [default: all it asks for].', multiple: true, multipleNonGreedy: true, helpValue: '<permissions>' }),
    subject: Flags.string({ summary: 'The Plugin resource\'s URL [default: {server}/plugins/installed/{namespace}-{name}].', helpValue: '<url>' }),
    'ipfs-api': ipfsApiFlag,
    yes: yesFlag,
  };

  public async run(): Promise<InstallResult> {
    const { args, flags } = await this.parse(Install);
    const serverUrl = resolveServerUrl(flags.server);
    const result = await install({
      serverUrl,
      agent: requireAgent(flags.secret),
      source: args.source,
      grant: flags.grant,
      config: flags.config,
      subject: flags.subject,
      yes: flags.yes,
      progress,
      ...(flags['ipfs-api'] ? { ipfsApi: flags['ipfs-api'] } : {}),
    });
    this.log(`Installed ${result.plugin}@${result.version}\n${formatSummary(result)}`);
    return result;
  }
}
