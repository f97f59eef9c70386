// `atomic-plugin verify`: checks a package's digest, signature and, optionally, its publisher.

import { Args, Command, Flags } from '@oclif/core';
import { formatFields } from '../lib/output.js';
import { verifyPackageFile, type VerifyResult } from '../lib/package-signing.js';

export default class Verify extends Command {
  static override summary = 'Check a plugin package: digest, signature and publisher.';

  static override description = `Reads the zip with the same checks as a host (layout, limits, plugin.json), recomputes the digest from the files and checks signature.json against it: a file changed after signing, a signature by another key, or a missing signature fail with status 1. With --trust, the signer must be one of the given publishers (public keys or agent URLs).`;

  static override examples = [
    {
      description: 'Check that a package is signed and unchanged.',
      command: '<%= config.bin %> <%= command.id %> dist/acme-hello-0.1.0.zip',
    },
    {
      description: 'Accept it only from one publisher.',
      command: '<%= config.bin %> <%= command.id %> acme-hello-0.1.0.zip --trust 7LsjMW5gOfDdJzK/atgjQ1t20J/rw8MjVg6xwqm+h8U=',
    },
  ];

  static override enableJsonFlag = true;

  static override args = {
    zip: Args.string({ description: 'The package zip.', required: true }),
  };

  static override flags = {
    trust: Flags.string({ summary: 'A trusted publisher: public key or agent URL; repeat for several.', multiple: true, multipleNonGreedy: true, helpValue: '<publisher>' }),
    'allow-unsigned': Flags.boolean({ summary: 'Pass an unsigned package (its layout and manifest are still checked).', exclusive: ['trust'] }),
  };

  public async run(): Promise<VerifyResult> {
    const { args, flags } = await this.parse(Verify);
    const result = verifyPackageFile(args.zip, flags.trust ?? [], flags['allow-unsigned']);
    this.log(
      formatFields([
        ['Verified', result.path],
        ['Plugin', `${result.plugin}@${result.version}`],
        ['Digest', result.digest],
        ['Signer', result.signer ?? '(unsigned)'],
        ...(result.trusted ? ([['Trusted', 'yes, on the --trust list']] as const) : []),
      ]),
    );
    return result;
  }
}
