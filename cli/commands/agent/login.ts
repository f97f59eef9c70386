// `atomic-plugin agent login`: checks an agent secret against a server and saves both in the CLI's
// config file, so that later commands need neither flags nor environment variables.

import { Command } from '@oclif/core';
import { encodeSecret } from '../../../server/atomic/agent.js';
import { checkAgentOnServer } from '../../lib/agents.js';
import { writeCliConfig } from '../../lib/cli-config.js';
import { secretFlag, serverFlag } from '../../lib/flags.js';
import { formatFields } from '../../lib/output.js';
import { requireAgent, resolveServerUrl } from '../../lib/server-client.js';

/** The `--json` output of `agent login` (never the secret). */
export interface AgentLoginResult {
  server: string;
  agent: string;
  /** The config file the server and secret were written to. */
  configPath: string;
}

export default class AgentLogin extends Command {
  static override summary = 'Check an agent secret against a server and remember both.';

  static override description = `Reads the secret from --secret or ATOMIC_AGENT_SECRET, checks that the server has that agent (its Agent resource exists and holds the secret's public key), and writes the server URL and the secret to the CLI's config file ($XDG_CONFIG_HOME/atomic-plugin/config.json, else ~/.config/atomic-plugin/config.json; $ATOMIC_PLUGIN_CONFIG overrides), readable by you only.

Afterwards commands such as install, list and logs use them by default. Flags and environment variables still take precedence.`;

  static override examples = [
    {
      description: 'Log in as the owner of a local server.',
      command: 'ATOMIC_AGENT_SECRET="$(cat ~/.local/share/atomic-plugin/agent.secret)" <%= config.bin %> <%= command.id %> --server http://localhost:9883',
    },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    server: serverFlag,
    secret: secretFlag,
  };

  public async run(): Promise<AgentLoginResult> {
    const { flags } = await this.parse(AgentLogin);
    const server = resolveServerUrl(flags.server);
    const agent = requireAgent(flags.secret);
    await checkAgentOnServer(server, agent);
    const configPath = writeCliConfig({ server, secret: encodeSecret(agent) });
    const result: AgentLoginResult = { server, agent: agent.subject, configPath };
    this.log(formatFields([['Server', server], ['Agent', agent.subject], ['Saved in', configPath]]));
    return result;
  }
}
