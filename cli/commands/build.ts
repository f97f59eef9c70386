// `atomic-plugin build`: compiles and checks a plugin folder and writes its package zip to dist/.

import { Args, Command, Flags } from '@oclif/core';
import { buildPlugin, compilers, DEFAULT_SOURCE, type BuildResult } from '../lib/plugin-build.js';
import { formatFields, progress } from '../lib/output.js';

export default class Build extends Command {
  static override summary = 'Compile a plugin and package it into dist/<namespace>-<name>-<version>.zip.';

  static override description = `Checks plugin.json against the manifest schema, compiles the source for the plugin's runtime, checks the result the way the server will at install, and writes the package zip. Prints its path and digest (the digest is what \`<%= config.bin %> sign\` signs).

- wasm: asc (AssemblyScript, with --use abort=index/myAbort -O3); the module must export every hook plugin.json declares and import only host functions its permissions cover. With --compiler extism-js, TypeScript against the Extism JS PDK is bundled by esbuild and compiled by extism-js (which must be on PATH, with plugin.d.ts next to the source).
- js: esbuild bundles the source into the entry (plugin.js), which is loaded once in the js sandbox to list its exports. Imports of .html, .css, .svg, .txt and .md files give their text, and an import ending in ?browser gives that entry bundled for browsers, as a string: a plugin can serve a web app from its bundle (sdk/js/README.md).
- process: esbuild bundles the source and everything it imports into the entry (e.g. plugin.mjs), which is started once, as the server would, to check that it starts and exports every hook.

The js and process bundles are also written to dist/. Compiler errors are shown with file:line, and the command exits with status 1.`;

  static override examples = [
    {
      description: 'Build the plugin in the current folder.',
      command: '<%= config.bin %> <%= command.id %>',
    },
    {
      description: 'Compile a TypeScript wasm plugin with your own extism-js.',
      command: '<%= config.bin %> <%= command.id %> --compiler extism-js',
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
    source: Flags.string({ summary: `The source file to compile [default: ${DEFAULT_SOURCE}].`, helpValue: '<file>' }),
    compiler: Flags.string({
      summary: 'The compiler [default: asc for wasm, esbuild for js and process]; extism-js (wasm only) must be on PATH.',
      options: [...compilers],
    }),
  };

  public async run(): Promise<BuildResult> {
    const { args, flags } = await this.parse(Build);
    const { zip: _zip, manifest: _manifest, ...result } = await buildPlugin(args.dir, {
      source: flags.source,
      compiler: flags.compiler as (typeof compilers)[number] | undefined,
      progress,
    });
    this.log(formatFields([['Package', result.path], ['Digest', result.digest], ['Plugin', `${result.plugin}@${result.version}`], ['Size', `${result.bytes} bytes`]]));
    return result;
  }
}
