// `atomic-plugin conformance sparql`: the W3C SPARQL 1.1 tests against a server's SPARQL plugin,
// next to in-process Oxigraph measured in the same run.

import { Command, Flags } from '@oclif/core';
import { secretFlag, serverFlag } from '../../lib/flags.js';
import { progress } from '../../lib/output.js';
import { requireAgent, resolveServerUrl } from '../../lib/server-client.js';
import { loadSparqlConformance, requireW3cTests } from '../../lib/conformance/load-runner.js';
import type { SparqlConformanceReport } from '../../lib/conformance/sparql-conformance.js';
import { W3C_SPARQL_SUITES } from '../../lib/conformance/w3c-suites.js';

export default class ConformanceSparql extends Command {
  static override summary = 'Run the W3C SPARQL 1.1 query, update and result-format tests against the SPARQL plugin.';

  static override description = `Creates a dataset in the server's SPARQL plugin (POST /sparql/datasets), loads each test's data into it through the Graph Store Protocol, sends the test's query or update through the SPARQL 1.1 Protocol and judges the answer with rdf-test-suite. The same tests run against Oxigraph in this process, the engine the plugin embeds: each suite prints the endpoint's pass count next to Oxigraph's, then the tests where they differ. The dataset is deleted at the end. The exit status is 1 when the endpoint fails a test that Oxigraph passes.

The agent needs write rights on the server's drive (the owner's secret from \`<%= config.bin %> agent show\` has them). The W3C test data is not shipped: it is read from --tests, else $W3C_RDF_TESTS, else ../shared/w3c-rdf-tests next to the package.`;

  static override examples = [
    {
      description: 'Test the SPARQL plugin of a local server.',
      command: '<%= config.bin %> <%= command.id %> --server http://localhost:9883',
    },
    {
      description: 'Only the update tests, as JSON.',
      command: '<%= config.bin %> <%= command.id %> --suite update --json',
    },
    {
      description: 'Only in-process Oxigraph, without a server.',
      command: '<%= config.bin %> <%= command.id %> --baseline-only',
    },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    server: serverFlag,
    secret: secretFlag,
    tests: Flags.string({ summary: 'Folder of the W3C rdf-tests (holding sparql/sparql11) [default: $W3C_RDF_TESTS, else ../shared/w3c-rdf-tests].', helpValue: '<dir>' }),
    suite: Flags.string({ summary: 'Run only this suite; repeat for several.', options: W3C_SPARQL_SUITES.map((s) => s.name), multiple: true }),
    'baseline-only': Flags.boolean({ summary: 'Run the tests against in-process Oxigraph only, without a server.', exclusive: ['server', 'secret'] }),
  };

  public async run(): Promise<SparqlConformanceReport> {
    const { flags } = await this.parse(ConformanceSparql);
    const testsDir = requireW3cTests(flags.tests);
    const server = flags['baseline-only'] ? undefined : { serverUrl: resolveServerUrl(flags.server), agent: requireAgent(flags.secret) };
    const { runSparqlConformance, formatConformanceReport } = await loadSparqlConformance();
    const report = await runSparqlConformance({ testsDir, ...(server ? { server } : {}), ...(flags.suite ? { suites: flags.suite } : {}), progress });
    this.log(formatConformanceReport(report));
    if (!report.coversBaseline) process.exitCode = 1;
    return report;
  }
}
