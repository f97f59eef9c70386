// `atomic-plugin logs`: what a plugin logged, and with --follow what it logs from now on.

import { Args, Command, Flags } from '@oclif/core';
import { secretFlag, serverFlag } from '../lib/flags.js';
import { findInstallation } from '../lib/installations.js';
import { formatLogLine, readLogs, type LogLine } from '../lib/plugin-log.js';
import { requireAgent, resolveServerUrl } from '../lib/server-client.js';

/** How long one long-poll waits for a line (the server allows up to 30 s). */
const FOLLOW_WAIT_MS = 25_000;

export default class Logs extends Command {
  static override summary = "Show a plugin's log; --follow keeps printing new lines.";

  static override description = `Prints the lines the plugin logged (the \`log\` host function) and what the host noted about it (failed hooks, the breaker): the newest 1,000, kept by the host across reloads and updates but not across restarts. --follow waits for new lines until Ctrl+C. With --json the lines are printed as one JSON array, or with --follow as one JSON object per line.`;

  static override examples = [
    {
      description: 'The log so far.',
      command: '<%= config.bin %> <%= command.id %> acme/hello',
    },
    {
      description: 'Follow it.',
      command: '<%= config.bin %> <%= command.id %> acme/hello --follow',
    },
  ];

  static override enableJsonFlag = true;

  static override args = {
    plugin: Args.string({ description: 'The installed plugin: namespace/name or its subject.', required: true }),
  };

  static override flags = {
    server: serverFlag,
    secret: secretFlag,
    follow: Flags.boolean({ char: 'f', summary: 'Keep printing new lines until interrupted.' }),
  };

  public async run(): Promise<LogLine[]> {
    const { args, flags } = await this.parse(Logs);
    const serverUrl = resolveServerUrl(flags.server);
    const agent = requireAgent(flags.secret);
    const { subject } = await findInstallation(serverUrl, agent, args.plugin);
    const print = (line: LogLine): void => {
      if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify(line)}\n`);
      else this.log(formatLogLine(line));
    };
    const first = await readLogs(serverUrl, agent, subject, 0);
    if (!flags.follow) {
      for (const line of first.lines) if (!this.jsonEnabled()) print(line);
      return first.lines;
    }
    for (const line of first.lines) print(line);
    let after = first.next;
    for (;;) {
      const next = await readLogs(serverUrl, agent, subject, after, FOLLOW_WAIT_MS);
      for (const line of next.lines) print(line);
      after = next.next;
    }
  }
}
