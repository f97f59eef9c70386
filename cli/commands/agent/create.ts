// `atomic-plugin agent create`: makes a new Ed25519 agent and, with --register, creates it on a server.

import { Command, Flags } from '@oclif/core';
import { createAgentIdentity } from '../../../server/atomic/agent.js';
import { agentCredentials, formatCredentials, registerAgent, type AgentCredentials } from '../../lib/agents.js';
import { serverFlag } from '../../lib/flags.js';
import { resolveServerUrl } from '../../lib/server-client.js';

/** The `--json` output of `agent create`. */
export interface AgentCreateResult extends AgentCredentials {
  /** True when the Agent resource was created on the server. */
  registered: boolean;
  /** The subject of the commit that created it, when registered. */
  commit?: string;
}

export default class AgentCreate extends Command {
  static override summary = 'Create a new agent: a key pair and its subject on a server.';

  static override description = `Generates an Ed25519 key pair and prints the agent's subject ({server}/agents/{public key}), public key and secret. Nothing is stored: keep the secret somewhere safe, as it is the only way to act as this agent.

With --register the agent also creates its own Agent resource on the server, in a commit it signs itself: readable by everyone, writable only by itself.`;

  static override examples = [
    {
      description: 'Make an agent for the local server without contacting it.',
      command: '<%= config.bin %> <%= command.id %>',
    },
    {
      description: 'Make an agent and create its resource on the server, with a name.',
      command: '<%= config.bin %> <%= command.id %> --server http://localhost:9883 --name "Build bot" --register',
    },
    {
      description: 'Keep the secret of a new agent in an environment variable.',
      command: 'export ATOMIC_AGENT_SECRET="$(<%= config.bin %> <%= command.id %> --register --json | jq -r .secret)"',
    },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    server: serverFlag,
    name: Flags.string({ summary: 'Name of the agent, stored on its resource.', dependsOn: ['register'], helpValue: '<name>' }),
    // No default: with one, oclif would count --register as given and never enforce --name's dependsOn.
    register: Flags.boolean({ summary: 'Create the Agent resource on the server.' }),
  };

  public async run(): Promise<AgentCreateResult> {
    const { flags } = await this.parse(AgentCreate);
    const serverUrl = resolveServerUrl(flags.server);
    const agent = createAgentIdentity(serverUrl);
    const result: AgentCreateResult = { ...agentCredentials(agent), registered: false };
    if (flags.register) {
      result.commit = await registerAgent(serverUrl, agent, flags.name);
      result.registered = true;
    }
    this.log(formatCredentials(result, result.commit ? [['Registered by', result.commit]] : []));
    if (!flags.register) this.log(`\nNot on the server yet: run with --register to create its Agent resource.`);
    return result;
  }
}
