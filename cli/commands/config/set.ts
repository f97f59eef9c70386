// `atomic-plugin config set`: replaces a plugin's config, or changes keys of it; the server checks it.

import { Args, Command } from '@oclif/core';
import { secretFlag, serverFlag } from '../../lib/flags.js';
import { findInstallation, setConfig } from '../../lib/installations.js';
import { assignConfig, effectiveConfig, parseConfigFlag } from '../../lib/plugin-config.js';
import type { JsonValue } from '../../lib/output.js';
import { requireAgent, resolveServerUrl } from '../../lib/server-client.js';

export default class ConfigSet extends Command {
  static override summary = "Change a plugin's config: a whole JSON object, or key=value pairs.";

  static override description = `A JSON object (or @file) replaces the config; key=value pairs change those keys of the current one (a value is read as JSON when it parses, so greeting=hi is a string and limit=5 a number). The change is a signed commit; the server validates it against the plugin's configSchema and re-initializes the plugin, or refuses it with the reason, leaving the old config in place.`;

  static override strict = false;

  static override examples = [
    {
      description: 'Change one key.',
      command: '<%= config.bin %> <%= command.id %> acme/hello greeting=Hoi',
    },
    {
      description: 'Replace the whole config.',
      command: `<%= config.bin %> <%= command.id %> acme/hello '{"greeting":"Hoi"}'`,
    },
  ];

  static override enableJsonFlag = true;

  static override args = {
    plugin: Args.string({ description: 'The installed plugin: namespace/name or its subject.', required: true }),
    change: Args.string({ description: 'A JSON object, @file, or key=value (several may follow).', required: true }),
  };

  static override flags = {
    server: serverFlag,
    secret: secretFlag,
  };

  public async run(): Promise<JsonValue> {
    const { args, argv, flags } = await this.parse(ConfigSet);
    const serverUrl = resolveServerUrl(flags.server);
    const agent = requireAgent(flags.secret);
    const installed = await findInstallation(serverUrl, agent, args.plugin);
    const changes = (argv as string[]).slice(1);
    const whole = changes.length === 1 && /^\s*[{@]/.test(changes[0]!);
    const config = whole ? parseConfigFlag(changes[0]!) : assignConfig(await effectiveConfig(agent, installed), changes);
    await setConfig(serverUrl, agent, installed.subject, config);
    this.log(JSON.stringify(config, null, 2));
    return config;
  }
}
