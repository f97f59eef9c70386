// `atomic-plugin sign`: signs a package zip's digest with an agent's Ed25519 key.

import { Args, Command, Flags } from '@oclif/core';
import { secretFlag } from '../lib/flags.js';
import { formatFields } from '../lib/output.js';
import { signPackageFile, type SignResult } from '../lib/package-signing.js';
import { requireAgent } from '../lib/server-client.js';

export default class Sign extends Command {
  static override summary = 'Sign a plugin package as your agent.';

  static override description = `Writes signature.json into the zip: an Ed25519 signature by the agent over the package digest, with the agent's subject and public key. Hosts check it at install (\`serve --require-signed\`, \`--trust-publisher\`), and so does \`<%= config.bin %> verify\`. The files are not changed, so the digest stays the same; signing again replaces the signature.

The agent is the one of --secret, ATOMIC_AGENT_SECRET or \`<%= config.bin %> agent login\`.`;

  static override examples = [
    {
      description: 'Sign a package built by `build`.',
      command: '<%= config.bin %> <%= command.id %> dist/acme-hello-0.1.0.zip',
    },
    {
      description: 'Write the signed package elsewhere.',
      command: '<%= config.bin %> <%= command.id %> dist/acme-hello-0.1.0.zip --output release/acme-hello-0.1.0.zip',
    },
  ];

  static override enableJsonFlag = true;

  static override args = {
    zip: Args.string({ description: 'The package zip.', required: true }),
  };

  static override flags = {
    secret: secretFlag,
    output: Flags.string({ char: 'o', summary: 'Write the signed package here instead of replacing the zip.', helpValue: '<file>' }),
  };

  public async run(): Promise<SignResult> {
    const { args, flags } = await this.parse(Sign);
    const result = signPackageFile(args.zip, requireAgent(flags.secret), flags.output);
    this.log(formatFields([['Signed', result.path], ['Digest', result.digest], ['Signer', result.signer]]));
    return result;
  }
}
