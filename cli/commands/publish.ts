// `atomic-plugin publish`: a package to IPFS and/or a server's plugin registry.

import { Args, Command, Flags } from '@oclif/core';
import { ipfsApiFlag, secretFlag } from '../lib/flags.js';
import { formatFields, progress } from '../lib/output.js';
import { publish, type PublishResult } from '../lib/publish.js';
import { requireAgent, resolveServerUrl } from '../lib/server-client.js';

export default class Publish extends Command {
  static override summary = 'Publish a plugin package to IPFS and/or a server\'s plugin registry.';

  static override description = `With --ipfs the package is added to the embedded IPFS node (a blockstore in the data folder, no network) or, with --ipfs-api, to a Kubo node, using Kubo's default import options, so the CID is the one \`ipfs add\` gives; install it with \`<%= config.bin %> install ipfs://<cid>\`.

With --server the package is uploaded to that server and recorded in its registry: a PluginListing resource for namespace/name (created on first publish, readable by anyone, writable only by its publisher) and a PluginRelease per version with the package URL, digest, CID and publisher. Anyone can then \`<%= config.bin %> install namespace/name@range\` against that server. A published version never changes: publishing it again with other content is refused.

A folder is built first. Sign the package before publishing (\`<%= config.bin %> sign\`) so that hosts with a trust policy accept it.`;

  static override examples = [
    {
      description: 'Add the package in dist/ to the embedded IPFS node and print its CID.',
      command: '<%= config.bin %> <%= command.id %> dist/acme-hello-0.1.0.zip --ipfs',
    },
    {
      description: 'Build the plugin in the current folder and record it in a server\'s registry.',
      command: '<%= config.bin %> <%= command.id %> . --server https://plugins.example.com',
    },
    {
      description: 'Both, adding to a Kubo node.',
      command: '<%= config.bin %> <%= command.id %> dist/acme-hello-0.1.0.zip --ipfs-api http://127.0.0.1:5001 --server https://plugins.example.com --json',
    },
  ];

  static override enableJsonFlag = true;

  static override args = {
    source: Args.string({ description: 'Plugin folder or package zip.', required: true }),
  };

  static override flags = {
    ipfs: Flags.boolean({ summary: 'Add the package to the embedded IPFS node (or the one given with --ipfs-api) and print its CID.' }),
    'ipfs-api': ipfsApiFlag,
    server: Flags.string({ summary: 'Record the package in the registry of this server [default: $ATOMIC_SERVER_URL when --registry is given].', helpValue: '<url>' }),
    registry: Flags.boolean({ summary: 'Record the package in the registry of the default server ($ATOMIC_SERVER_URL, else the one saved by `agent login`).' }),
    secret: secretFlag,
  };

  public async run(): Promise<PublishResult> {
    const { args, flags } = await this.parse(Publish);
    const toRegistry = flags.server !== undefined || flags.registry;
    const result = await publish({
      source: args.source,
      ipfs: flags.ipfs,
      ...(flags['ipfs-api'] ? { ipfsApi: flags['ipfs-api'] } : {}),
      ...(toRegistry ? { registry: { serverUrl: resolveServerUrl(flags.server), agent: requireAgent(flags.secret) } } : {}),
      progress,
    });
    const fields: [string, string][] = [['Published', `${result.plugin}@${result.version}`], ['Digest', result.digest]];
    if (result.cid) fields.push(['CID', result.cid], ['IPFS', result.ipfsNode ?? '']);
    if (result.release) fields.push(['Release', result.release], ['Package', result.packageUrl ?? '']);
    if (result.created === false) fields.push(['Note', 'this version was in the registry already with the same digest']);
    this.log(formatFields(fields));
    return result;
  }
}
