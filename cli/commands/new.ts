// `atomic-plugin new`: scaffolds a plugin project from templates/, asking in a terminal or taking flags.

import { Args, Command, Flags } from '@oclif/core';
import { join } from 'node:path';
import { yesFlag } from '../lib/flags.js';
import { scaffold, scaffoldHooks, type ScaffoldResult } from '../lib/scaffold.js';
import { gatherAnswers } from '../lib/scaffold-questions.js';

export default class New extends Command {
  static override summary = 'Create a plugin project: plugin.json, source, test, CI workflow.';

  static override description = `Scaffolds a plugin from the templates that ship with atomic-plugin into ./<name> (or --dir): a plugin.json that passes the manifest schema, source with one working example per chosen hook, package.json scripts (build, test), a README, .gitignore, a test that installs the built plugin into a real local server and calls it, and a GitHub Actions workflow.

In a terminal it asks for whatever the flags leave open; with --yes (or without a terminal) it takes the defaults: namespace "my", runtime wasm, the endpoint hook, no permissions. It never writes into a folder that is not empty.

Runtimes: wasm (AssemblyScript compiled to WebAssembly), js (TypeScript bundled by esbuild, run in QuickJS) and process (a Node program of its own, bundled by esbuild, speaking JSON-RPC).`;

  static override examples = [
    {
      description: 'Answer the questions in the terminal.',
      command: '<%= config.bin %> <%= command.id %>',
    },
    {
      description: 'A plugin with an endpoint and a before-commit hook, no questions asked.',
      command: '<%= config.bin %> <%= command.id %> hello --namespace acme --hooks endpoint,before-commit --yes',
    },
    {
      description: 'A TypeScript plugin for the js runtime (or --runtime process for a Node program).',
      command: '<%= config.bin %> <%= command.id %> hello --runtime js --hooks endpoint --yes',
    },
    {
      description: 'Ask for a permission, with the reason shown at install.',
      command: '<%= config.bin %> <%= command.id %> notes --hooks after-commit --permission "read:Reads the resources it indexes." --yes',
    },
  ];

  static override enableJsonFlag = true;

  static override args = {
    name: Args.string({ description: 'The plugin\'s name (a slug); also the folder, unless --dir says otherwise.' }),
  };

  static override flags = {
    namespace: Flags.string({ summary: 'The publisher\'s namespace, a slug [default: my].', helpValue: '<slug>' }),
    description: Flags.string({ summary: 'What the plugin does (shown at install).', helpValue: '<text>' }),
    runtime: Flags.string({ summary: 'How the plugin runs [default: wasm].', options: ['wasm', 'js', 'process'] }),
    hooks: Flags.string({
      summary: `Hooks to scaffold an example for, comma-separated: ${scaffoldHooks.join(', ')} [default: endpoint].`,
      multiple: true,
      multipleNonGreedy: true,
      helpValue: '<hooks>',
    }),
    permission: Flags.string({ summary: 'A permission to ask for, as name:reason; repeat for several.', multiple: true, multipleNonGreedy: true, helpValue: '<name:reason>' }),
    dir: Flags.string({ summary: 'Folder to create the project in [default: ./<name>].', helpValue: '<dir>' }),
    yes: yesFlag,
  };

  public async run(): Promise<ScaffoldResult> {
    const { args, flags } = await this.parse(New);
    const answers = await gatherAnswers({
      name: args.name,
      namespace: flags.namespace,
      description: flags.description,
      runtime: flags.runtime,
      hooks: flags.hooks,
      permissions: flags.permission,
      yes: flags.yes,
    });
    const result = scaffold(flags.dir ?? join(process.cwd(), answers.name), answers);
    this.log(`Created ${result.plugin} in ${result.dir}:\n${result.files.map((f) => `  ${f}`).join('\n')}\n\nNext:\n  cd ${result.dir}\n  npm install\n  npm run build\n  npm test`);
    return result;
  }
}
