// The SPARQL plugin's datasets as a client sees them: create one for a run, delete it afterwards
// (`POST /sparql/datasets`, `DELETE /sparql/datasets/{name}`, signed by an agent with write rights
// on the drive).

import type { AgentIdentity } from '../../../server/atomic/agent.js';
import { CliError } from '../errors.js';
import { request } from '../server-client.js';

/** A dataset of the SPARQL plugin. */
export interface SparqlDataset {
  name: string;
  /** Its SPARQL 1.1 Protocol endpoint (absolute URL); the Graph Store is `{endpoint}/data`. */
  endpoint: string;
}

/**
 * Creates the dataset `name`. A 409 (it exists) is an error like any other, so that a run never
 * writes into someone's data. The endpoint is the one the plugin answers with.
 */
export async function createDataset(serverUrl: string, agent: AgentIdentity, name: string): Promise<SparqlDataset> {
  const url = `${serverUrl}/sparql/datasets`;
  let answer;
  try {
    answer = await request(url, { method: 'POST', agent, accept: 'application/json', contentType: 'application/json', body: JSON.stringify({ name }) });
  } catch (error) {
    if (!(error instanceof CliError) || error.code !== 'REQUEST_FAILED') throw error;
    throw new CliError('REQUEST_FAILED', error.message, ['the server needs the SPARQL plugin (`atomic-plugin install sparql`), and the agent write rights on its drive']);
  }
  const endpoint = typeof answer.data === 'object' && answer.data !== null && !Array.isArray(answer.data) ? answer.data.endpoint : undefined;
  if (answer.status !== 201 || typeof endpoint !== 'string') {
    throw new CliError('INVALID_RESPONSE', `POST ${url} should answer 201 with {"name", "endpoint"}, not ${answer.status}: ${answer.body.slice(0, 300)}`);
  }
  return { name, endpoint: new URL(endpoint, `${serverUrl}/`).href };
}

/** Deletes the dataset `name`. */
export async function deleteDataset(serverUrl: string, agent: AgentIdentity, name: string): Promise<void> {
  await request(`${serverUrl}/sparql/datasets/${encodeURIComponent(name)}`, { method: 'DELETE', agent });
}
