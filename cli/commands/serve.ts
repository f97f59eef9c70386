// `atomic-plugin serve`: runs the Atomic Data host in the foreground until Ctrl+C or SIGTERM.

import { resolve } from 'node:path';
import { Command, Flags } from '@oclif/core';
import { defaultDataDir } from '../../server/data-dir.js';
import { CliError } from '../lib/errors.js';
import { dataDirFlag } from '../lib/flags.js';
import { progress } from '../lib/output.js';
import { ensureReferencePlugins, formatPackReport, PACK, packNames, type PackReport } from '../lib/pack.js';
import { shippedReferences } from '../lib/reference-plugins.js';
import { formatServeInfo, serveInfo, startServer, waitForStopSignal } from '../lib/serve.js';

export default class Serve extends Command {
  static override summary = 'Start the Atomic Data server with its plugin runtime.';

  static override description = `Serves JSON-AD resources, signed commits and plugins from a data folder, and keeps running until Ctrl+C (SIGINT) or SIGTERM, then closes the store cleanly.

The first start creates the data folder and an owner agent, whose secret is written to agent.secret in that folder; \`<%= config.bin %> agent show\` prints it.

With --pack (what \`npm start\` runs) it keeps the reference plugins ${PACK.join(', ')} installed, and --with names others (or only some): once the server listens, each one that is missing is installed and each older one updated, from the signed packages shipped with atomic-plugin, through the same path as \`<%= config.bin %> install <name>\` (package digest and signature checked against the shipped index, then a signed commit by the owner agent that the server checks under its trust policy). Then it prints where they serve. A plugin that is installed already in this build or a newer version is left alone, so restarting changes nothing. Installing one grants it every permission it asks for; they are printed. --no-pack serves without touching any.

With --profile-plugin (development only) the named process plugins run under V8's CPU profiler, and each writes a .cpuprofile into --profile-dir when its process ends (when the server stops, or at a restart); Chrome DevTools and VS Code open them. Node's permission model switches the profiler off, so a profiled plugin runs without it: do not profile plugins you do not trust.

With --json it prints one line {url, port, dataDir, agentSecretPath, owner, initialized} as soon as it listens, for scripts and supervisors to read; with reference plugins to keep, once they are live, with "pack": {publisher, plugins: [{name, plugin, version, action, endpoints, error?}]} added.`;

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
      description: 'Serve with the SPARQL, CRUD and TODO reference plugins installed (what `npm start` runs).',
      command: '<%= config.bin %> <%= command.id %> --pack',
    },
    {
      description: 'Serve with only the SPARQL reference plugin installed.',
      command: '<%= config.bin %> <%= command.id %> --with sparql',
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
    pack: Flags.boolean({
      summary: `Keep the reference plugins ${PACK.join(', ')} installed; --no-pack serves without installing any, --with given or not.`,
      allowNo: true,
    }),
    with: Flags.string({
      summary: 'Keep these reference plugins installed (comma-separated short names), after those of --pack.',
      multiple: true,
      helpValue: '<names>',
    }),
    'profile-plugin': Flags.string({
      summary: 'CPU-profile this process plugin (namespace/name; repeat for several). It runs WITHOUT Node\'s permission model: development only.',
      multiple: true,
      helpValue: '<namespace/name>',
    }),
    'profile-dir': Flags.string({
      summary: 'Where --profile-plugin writes the profiles, one folder per plugin.',
      default: './plugin-profiles',
      helpValue: '<dir>',
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
    // Before anything starts: a name that is no reference plugin is a mistake in the command line.
    const names = packNames(flags.pack, flags.with);
    const profiled = flags['profile-plugin'] ?? [];
    for (const id of profiled) {
      if (!/^[^/\s]+\/[^/\s]+$/.test(id)) throw new CliError('INVALID_INPUT', `--profile-plugin ${id} is not a plugin id`, ['give it as namespace/name, e.g. --profile-plugin atomic/search']);
    }
    if (profiled.length > 0) progress(`Profiling ${profiled.join(', ')} (process plugins) into ${resolve(flags['profile-dir'])}: they run without Node's permission model. Development only.`);
    const host = await startServer({
      dataDir: flags['data-dir'] ?? defaultDataDir(),
      port: flags.port,
      listenHost: flags.host,
      serverUrl: flags['server-url'],
      trust: { requireSignature: flags['require-signed'], trustedPublishers: flags['trust-publisher'] ?? [] },
      log: (line: string) => process.stderr.write(`${line}\n`),
      references: () => shippedReferences(undefined, (line) => process.stderr.write(`${line}\n`)),
      ...(profiled.length > 0 ? { cpuProfile: { plugins: profiled, dir: resolve(flags['profile-dir']) } } : {}),
    });
    const stopped = waitForStopSignal();
    const info = serveInfo(host);
    if (!this.jsonEnabled()) this.log(formatServeInfo(info));

    let pack: PackReport | undefined;
    if (names.length > 0) {
      // The server is a client of itself here, so that the plugins go through the same checks as
      // any install; a stop signal meanwhile wins and closes the host.
      try {
        pack = await Promise.race([ensureReferencePlugins({ serverUrl: host.url, agent: host.owner, names, progress }), stopped.then(() => undefined)]);
      } catch (error) {
        // Each plugin's own failure is in the report; this is the server not answering itself.
        if (!(error instanceof CliError)) {
          await host.close();
          throw error;
        }
        progress(`The reference plugins could not be installed: ${error.message}`);
      }
    }
    if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify(pack ? { ...info, pack } : info)}\n`);
    else {
      if (pack) this.log(formatPackReport(pack));
      this.log('Press Ctrl+C to stop.');
    }

    await stopped;
    await host.close();
    // Closed cleanly: whatever handle the host may have left open must not keep the process alive.
    setTimeout(() => process.exit(), 1000).unref();
  }
}
