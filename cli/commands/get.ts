// `atomic-plugin get`: fetches one resource from an Atomic Data server, optionally signed as an agent.

import { Args, Command, Flags } from '@oclif/core';
import { CliError } from '../lib/errors.js';
import { secretFlag, serverFlag } from '../lib/flags.js';
import { formatResource, type JsonValue } from '../lib/output.js';
import { fetchResource, JSON_AD, resolveAgent, resolveServerUrl, resolveSubjectUrl } from '../lib/server-client.js';

export default class Get extends Command {
  static override summary = 'Fetch a resource and print its properties.';

  static override description = `The subject is an absolute URL, or a path such as /agents that is resolved against --server.

The request asks for JSON-AD unless --accept says otherwise. It is signed with the x-atomic-* headers when an agent secret is given (--secret or ATOMIC_AGENT_SECRET), so resources readable only by that agent can be fetched. --json prints the response body as the server sent it.`;

  static override examples = [
    {
      description: 'Print the agents collection of the local server.',
      command: '<%= config.bin %> <%= command.id %> /agents',
    },
    {
      description: 'Fetch a resource as the owner agent and print the raw JSON-AD.',
      command: 'ATOMIC_AGENT_SECRET="$(cat ~/.local/share/atomic-plugin/agent.secret)" <%= config.bin %> <%= command.id %> http://localhost:9883/ --json',
    },
    {
      description: 'Fetch a resource from another server as Turtle.',
      command: '<%= config.bin %> <%= command.id %> /collections --server https://atomicdata.dev --accept text/turtle',
    },
  ];

  static override enableJsonFlag = true;

  static override args = {
    subject: Args.string({ description: 'URL of the resource, or a path on the server such as /agents.', required: true }),
  };

  static override flags = {
    server: serverFlag,
    secret: secretFlag,
    accept: Flags.string({ summary: 'Media type to ask for.', default: JSON_AD, helpValue: '<media type>' }),
  };

  public async run(): Promise<JsonValue> {
    const { args, flags } = await this.parse(Get);
    const url = resolveSubjectUrl(args.subject, resolveServerUrl(flags.server));
    const fetched = await fetchResource(url, { agent: resolveAgent(flags.secret), accept: flags.accept });
    const { data } = fetched;
    if (data === undefined) {
      if (this.jsonEnabled()) {
        throw new CliError('NOT_JSON', `${url} answered with ${fetched.contentType || 'an unknown media type'}, not JSON`, [
          'drop --json to print it as it is, or ask for JSON with --accept application/ad+json',
        ]);
      }
      this.log(fetched.body);
      return fetched.body;
    }
    const isResource = typeof data === 'object' && data !== null && !Array.isArray(data);
    this.log(isResource ? formatResource(data, url) : JSON.stringify(data, null, 2));
    return data;
  }
}
