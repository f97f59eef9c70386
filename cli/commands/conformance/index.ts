// `atomic-plugin conformance`: the Atomic Data protocol, the plugin ABI and the reference plugins
// (or one plugin project's own fixtures) checked against an embedded or a live server.

import { writeFileSync } from 'node:fs';
import { Command, Flags } from '@oclif/core';
import { secretFlag } from '../../lib/flags.js';
import { progress } from '../../lib/output.js';
import { requireAgent, resolveServerUrl } from '../../lib/server-client.js';
import type { ConformanceReport } from '../../lib/conformance/report.js';
import { formatCheckLine, formatCounts } from '../../lib/conformance/report-text.js';
import { REPORTERS, type ReporterName } from '../../lib/conformance/reporters.js';
import { runConformance, SUITE_NAMES, type SuiteName } from '../../lib/conformance/run-conformance.js';

export default class Conformance extends Command {
  static override summary = 'Check that a server and its plugins behave as specified: protocol, plugin ABI, reference plugins.';

  static override description = `Runs the suites, each made of checks that send real requests and signed commits:
  protocol   Atomic Data: reads (JSON-AD, content negotiation, @id), signed commits, rights, and bad input (bad signature, replay, future date, malformed JSON-AD) refused with a 4xx that changes nothing.
  abi        the plugin ABI: the probe and hostile fixture plugins installed through the install path, every hook and host function, permissions and limits enforced, a misbehaving plugin contained.
  reference  each reference plugin with fixtures (fixtures/conformance/<name>/*.json) installed by its short name, its scenarios run, then uninstalled.
  plugin     with --plugin: that project built and installed, its fixtures/conformance/*.json run, then uninstalled.

Without --server it starts an embedded server with a temporary data folder and stops it after. Against a live server (--server) it acts as an agent with write rights on the drive (--secret, $ATOMIC_AGENT_SECRET or \`agent login\`), registers a second agent for the run, and leaves nothing behind: each scenario works under a fresh resource that is destroyed with everything in it, each plugin it installed is uninstalled, and a last check compares the drive and the plugins with what was there before. A plugin that is installed already is tested as it is and left installed.

A failing check names the expectation, shows the request and the difference, and the exit status is 1. The fixture format is in docs/conformance/README.md.`;

  static override examples = [
    { description: 'Everything, against an embedded server.', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'A live server, as JUnit XML for CI.', command: '<%= config.bin %> <%= command.id %> --server http://localhost:9883 --reporter junit --output conformance.xml' },
    { description: 'A plugin project\'s own fixtures (what its `npm test` runs).', command: '<%= config.bin %> <%= command.id %> --plugin .' },
    { description: 'Only the SPARQL and CRUD reference plugins, as TAP.', command: '<%= config.bin %> <%= command.id %> --suite reference --only sparql --only crud --reporter tap' },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    server: Flags.string({ summary: 'Test this live server (its URL) instead of starting an embedded one.', helpValue: '<url>' }),
    secret: secretFlag,
    plugin: Flags.string({ summary: 'Build and install this plugin project and run its fixtures/conformance/*.json.', helpValue: '<path>' }),
    suite: Flags.string({ summary: 'Run only this suite; repeat for several [default: protocol, abi, reference; plugin with --plugin].', options: [...SUITE_NAMES], multiple: true }),
    only: Flags.string({ summary: 'In the reference suite, only this reference plugin (short name); repeat for several.', multiple: true, helpValue: '<name>' }),
    reporter: Flags.string({ summary: 'How to print the report.', options: Object.keys(REPORTERS), default: 'pretty' }),
    output: Flags.string({ summary: 'Write the report to this file instead of stdout.', helpValue: '<file>' }),
  };

  public async run(): Promise<ConformanceReport> {
    const { flags } = await this.parse(Conformance);
    const server = flags.server ? { url: resolveServerUrl(flags.server), agent: requireAgent(flags.secret) } : undefined;
    const report = await runConformance({
      ...(server ? { server } : {}),
      ...(flags.plugin ? { plugin: flags.plugin } : {}),
      ...(flags.suite ? { suites: flags.suite as SuiteName[] } : {}),
      ...(flags.only ? { only: flags.only } : {}),
      progress,
      onCheck: (check) => progress(formatCheckLine(check)),
    });
    const text = REPORTERS[flags.reporter as ReporterName](report);
    if (flags.output) {
      writeFileSync(flags.output, text);
      this.log(`${formatCounts(report)}; report written to ${flags.output}`);
    } else {
      this.log(text.trimEnd());
    }
    if (report.failed > 0) process.exitCode = 1;
    return report;
  }
}
