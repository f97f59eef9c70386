// `atomic-plugin build`: compiles and checks a plugin folder and writes its package zip to dist/.

import { Args, Command, Flags } from '@oclif/core';
import { buildPlugin, DEFAULT_WASM_SOURCE, type BuildResult } from '../lib/plugin-build.js';
import { formatFields, progress } from '../lib/output.js';

export default class Build extends Command {
  static override summary = 'Compile a plugin and package it into dist/<namespace>-<name>-<version>.zip.';

  static override description = `Checks plugin.json against the manifest schema, compiles the source (asc for wasm plugins, with --use abort=index/myAbort -O3), checks that the module exports every hook plugin.json declares and imports only host functions its permissions cover, and writes the package zip. Prints its path and digest (the digest is what \`<%= config.bin %> sign\` signs).

Compiler errors are shown as the compiler reports them, with file:line, and the command exits with status 1.`;

  static override examples = [
    {
      description: 'Build the plugin in the current folder.',
      command: '<%= config.bin %> <%= command.id %>',
    },
    {
      description: 'Build another folder and read the result as JSON.',
      command: '<%= config.bin %> <%= command.id %> ./hello --json',
    },
  ];

  static override enableJsonFlag = true;

  static override args = {
    dir: Args.string({ description: 'The plugin folder (with plugin.json).', default: '.' }),
  };

  static override flags = {
    source: Flags.string({ summary: `The source file to compile [default: ${DEFAULT_WASM_SOURCE}].`, helpValue: '<file>' }),
  };

  public async run(): Promise<BuildResult> {
    const { args, flags } = await this.parse(Build);
    const { zip: _zip, manifest: _manifest, ...result } = await buildPlugin(args.dir, {
      source: flags.source,
      progress,
    });
    this.log(formatFields([['Package', result.path], ['Digest', result.digest], ['Plugin', `${result.plugin}@${result.version}`], ['Size', `${result.bytes} bytes`]]));
    return result;
  }
}
