// `atomic-plugin agent show`: prints the owner agent of a data folder (subject, public key, secret).

import { Command } from '@oclif/core';
import { defaultDataDir } from '../../../server/data-dir.js';
import { agentCredentials, formatCredentials, readOwnerAgent, type AgentCredentials } from '../../lib/agents.js';
import { dataDirFlag } from '../../lib/flags.js';

/** The `--json` output of `agent show`. */
export interface AgentShowResult extends AgentCredentials {
  /** The file in the data folder that holds the secret. */
  secretPath: string;
}

export default class AgentShow extends Command {
  static override summary = "Show the server owner's agent: subject, public key and secret.";

  static override description = `Reads the owner agent that \`<%= config.bin %> serve\` created in the data folder. The secret signs as the owner, who has every right on the server: use it to sign in from the Atomic Data Browser or @tomic/lib, or as ATOMIC_AGENT_SECRET for \`<%= config.bin %> get\`. Keep it private.`;

  static override examples = [
    {
      description: 'Show the owner of the default data folder.',
      command: '<%= config.bin %> <%= command.id %>',
    },
    {
      description: 'Show the owner of another data folder, as JSON.',
      command: '<%= config.bin %> <%= command.id %> --data-dir ./my-data --json',
    },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    'data-dir': dataDirFlag,
  };

  public async run(): Promise<AgentShowResult> {
    const { flags } = await this.parse(AgentShow);
    const { agent, secretPath } = readOwnerAgent(flags['data-dir'] ?? defaultDataDir());
    const result: AgentShowResult = { ...agentCredentials(agent), secretPath };
    this.log(formatCredentials(result, [['Secret file', secretPath]]));
    return result;
  }
}
