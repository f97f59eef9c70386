// `atomic-plugin config get`: an installed plugin's config, or one key of it.

import { Args, Command } from '@oclif/core';
import { secretFlag, serverFlag } from '../../lib/flags.js';
import { findInstallation } from '../../lib/installations.js';
import { effectiveConfig } from '../../lib/plugin-config.js';
import type { JsonValue } from '../../lib/output.js';
import { CliError } from '../../lib/errors.js';
import { requireAgent, resolveServerUrl } from '../../lib/server-client.js';

/** The `--json` output of `config get`. */
export interface ConfigGetResult {
  key?: string;
  value: JsonValue;
}

export default class ConfigGet extends Command {
  static override summary = "Show a plugin's config, or one key of it.";

  static override description = "The config the plugin runs with: the one set on its resource, else its package's defaultConfig. A dotted key reads into nested objects.";

  static override examples = [
    {
      description: 'The whole config.',
      command: '<%= config.bin %> <%= command.id %> acme/hello',
    },
    {
      description: 'One key.',
      command: '<%= config.bin %> <%= command.id %> acme/hello greeting',
    },
  ];

  static override enableJsonFlag = true;

  static override args = {
    plugin: Args.string({ description: 'The installed plugin: namespace/name or its subject.', required: true }),
    key: Args.string({ description: 'A key of the config (dotted for nested objects).' }),
  };

  static override flags = {
    server: serverFlag,
    secret: secretFlag,
  };

  public async run(): Promise<ConfigGetResult> {
    const { args, flags } = await this.parse(ConfigGet);
    const serverUrl = resolveServerUrl(flags.server);
    const agent = requireAgent(flags.secret);
    const config = await effectiveConfig(agent, await findInstallation(serverUrl, agent, args.plugin));
    let value: JsonValue | undefined = config;
    for (const key of args.key ? args.key.split('.') : []) {
      value = typeof value === 'object' && value !== null && !Array.isArray(value) ? value[key] : undefined;
    }
    if (value === undefined) throw new CliError('INVALID_INPUT', `The config has no key "${args.key}"`, [`its keys: ${Object.keys(config).join(', ') || '(none)'}`]);
    this.log(typeof value === 'string' ? value : JSON.stringify(value, null, 2));
    // An object, because oclif prints a bare string result as it is, which is not JSON.
    return { ...(args.key ? { key: args.key } : {}), value };
  }
}
