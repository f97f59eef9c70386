// `atomic-plugin serve`: runs the Atomic Data host in the foreground until Ctrl+C or SIGTERM.

import { Command, Flags } from '@oclif/core';
import { defaultDataDir } from '../../server/data-dir.js';
import { dataDirFlag } from '../lib/flags.js';
import { formatServeInfo, serveInfo, startServer, waitForStopSignal } from '../lib/serve.js';

export default class Serve extends Command {
  static override summary = 'Start the Atomic Data server with its plugin runtime.';

  static override description = `Serves JSON-AD resources, signed commits and plugins from a data folder, and keeps running until Ctrl+C (SIGINT) or SIGTERM, then closes the store cleanly.

The first start creates the data folder and an owner agent, whose secret is written to agent.secret in that folder; \`<%= config.bin %> agent show\` prints it.

With --json it prints one line {url, port, dataDir, agentSecretPath, owner, initialized} as soon as it listens, for scripts and supervisors to read.`;

  static override examples = [
    {
      description: 'Serve on http://localhost:9883 from the default data folder.',
      command: '<%= config.bin %> <%= command.id %>',
    },
    {
      description: 'Serve on another port from a folder of your choice.',
      command: '<%= config.bin %> <%= command.id %> --port 8080 --data-dir ./my-data',
    },
    {
      description: 'Accept only plugins signed by one publisher.',
      command: '<%= config.bin %> <%= command.id %> --trust-publisher http://localhost:9883/agents/7LsjMW5gOfDdJzK/atgjQ1t20J/rw8MjVg6xwqm+h8U=',
    },
    {
      description: 'Listen on all interfaces behind a public URL, and report as JSON.',
      command: '<%= config.bin %> <%= command.id %> --host 0.0.0.0 --server-url https://atomic.example.com --json',
    },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    port: Flags.integer({ summary: 'Port to listen on.', default: 9883, min: 1, max: 65_535 }),
    host: Flags.string({ summary: 'Address to listen on.', default: '127.0.0.1', helpValue: '<address>' }),
    'data-dir': dataDirFlag,
    'require-signed': Flags.boolean({ summary: 'Refuse plugin packages that are not signed by their publisher.' }),
    'trust-publisher': Flags.string({
      summary: 'Accept plugin packages signed by this publisher only (agent subject or public key); repeat for several.',
      multiple: true,
      helpValue: '<agent>',
    }),
    'server-url': Flags.string({
      summary: 'Public URL of the server, the base of every subject [default: http://localhost:{port}].',
      helpValue: '<url>',
    }),
  };

  // Resolves to nothing: the --json line is printed when the host starts listening (a supervisor
  // needs it then, not at exit), so there is no result left for oclif to print afterwards.
  public async run(): Promise<void> {
    const { flags } = await this.parse(Serve);
    const host = await startServer({
      dataDir: flags['data-dir'] ?? defaultDataDir(),
      port: flags.port,
      listenHost: flags.host,
      serverUrl: flags['server-url'],
      trust: { requireSignature: flags['require-signed'], trustedPublishers: flags['trust-publisher'] ?? [] },
      log: (line: string) => process.stderr.write(`${line}\n`),
    });
    const info = serveInfo(host);
    if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify(info)}\n`);
    else this.log(formatServeInfo(info));

    await waitForStopSignal();
    await host.close();
    // Closed cleanly: whatever handle the host may have left open must not keep the process alive.
    setTimeout(() => process.exit(), 1000).unref();
  }
}
