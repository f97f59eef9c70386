// `atomic-plugin sparql`: runs a SPARQL query or update against a server's SPARQL endpoint.

import { Args, Command, Flags } from '@oclif/core';
import { secretFlag, serverFlag } from '../lib/flags.js';
import type { JsonValue } from '../lib/output.js';
import { resolveAgent, resolveServerUrl } from '../lib/server-client.js';
import { formatResultsTable, readSparqlText, runSparql, sparqlEndpoint, sparqlFormats } from '../lib/sparql.js';

export default class Sparql extends Command {
  static override summary = 'Run a SPARQL query or update against the server.';

  static override description = `Sends the query to the SPARQL endpoint of the atomic/sparql plugin (/sparql, the server's resources as RDF; or /sparql/datasets/<name> with --dataset) by the SPARQL 1.1 Protocol. The query is the argument, a file (--file, "-" for stdin), or stdin.

Queries see what the agent may read: anonymous without a secret, else signed as the agent (--secret, $ATOMIC_AGENT_SECRET, or the one saved by \`agent login\`). With --update the text is a SPARQL UPDATE: on /sparql it becomes Commits made on the agent's behalf, all or none.

--format table (the default) prints SELECT results as a table and CONSTRUCT/DESCRIBE results as Turtle; json, csv, tsv and turtle print what the endpoint sends in that format. --json prints SPARQL JSON results (or the update's summary) as JSON.`;

  static override examples = [
    {
      description: 'List ten resources and their names.',
      command: `<%= config.bin %> <%= command.id %> 'SELECT ?s ?name WHERE { ?s <https://atomicdata.dev/properties/name> ?name } LIMIT 10'`,
    },
    {
      description: 'Run a query from a file and print CSV.',
      command: '<%= config.bin %> <%= command.id %> --file query.rq --format csv',
    },
    {
      description: 'Rename a resource; the change is a signed Commit made on your behalf.',
      command: `echo 'DELETE { ?s <https://atomicdata.dev/properties/name> ?n } INSERT { ?s <https://atomicdata.dev/properties/name> "New" } WHERE { ?s <https://atomicdata.dev/properties/name> ?n FILTER(?s = <http://localhost:9883/my-page>) }' | <%= config.bin %> <%= command.id %> --update`,
    },
    {
      description: 'Query a dataset on another server.',
      command: '<%= config.bin %> <%= command.id %> "ASK { ?s ?p ?o }" --dataset vocabularies --server https://example.com',
    },
  ];

  static override enableJsonFlag = true;

  static override args = {
    query: Args.string({ description: 'The SPARQL query (or update, with --update). Leave it out to use --file or stdin.' }),
  };

  static override flags = {
    server: serverFlag,
    secret: secretFlag,
    file: Flags.string({ char: 'f', summary: 'Read the query from this file ("-" for stdin).', helpValue: '<path>' }),
    format: Flags.string({ summary: 'How to print the answer.', options: [...sparqlFormats], default: 'table' }),
    update: Flags.boolean({ summary: 'The text is a SPARQL UPDATE, not a query.' }),
    dataset: Flags.string({ summary: 'Send it to this dataset\'s endpoint (/sparql/datasets/<name>) instead of /sparql.', helpValue: '<name>' }),
  };

  public async run(): Promise<JsonValue> {
    const { args, flags } = await this.parse(Sparql);
    const text = readSparqlText(args.query, flags.file);
    const agent = resolveAgent(flags.secret);
    const format = flags.format as (typeof sparqlFormats)[number];
    const endpoint = sparqlEndpoint(resolveServerUrl(flags.server), flags.dataset);
    const answer = await runSparql(endpoint, text, { update: flags.update, format, ...(agent ? { agent } : {}) });
    if (flags.update) {
      const summary = answer.data ?? { done: true };
      const commits = (answer.data as { commits?: string[] } | undefined)?.commits;
      this.log(commits ? `Applied ${commits.length} commit${commits.length === 1 ? '' : 's'}${commits.map((c) => `\n  ${c}`).join('')}` : 'Done.');
      return summary;
    }
    const isResults = answer.contentType.startsWith('application/sparql-results+json');
    this.log(format === 'table' && isResults && answer.data !== undefined ? formatResultsTable(answer.data) : answer.text.trimEnd());
    return answer.data ?? answer.text;
  }
}
