// The plugin's HTTP surface under /sparql, routed to its parts:
//   /sparql                              SPARQL 1.1 Protocol over the mirror (rights-filtered reads,
//                                        UPDATE as Commits on the requester's behalf)
//   /sparql/datasets                     GET the list, POST {"name"} to create
//   /sparql/datasets/{name}              SPARQL 1.1 Protocol over one dataset; DELETE removes it
//   /sparql/datasets/{name}/data[/...]   the Graph Store Protocol on that dataset

import { canAll, type HttpRequestInput, type HttpResponse } from 'atomic-plugin/sdk/node';
import { Datasets, datasetNameProblem } from './datasets.js';
import { answerGraphStore } from './graph-store.js';
import { errorReply, jsonReply, methodNotAllowed, parseContentType, ProtocolError } from './http.js';
import type { Mirror } from './mirror.js';
import { readProtocolRequest } from './protocol-request.js';
import type { ReadableViews } from './readable-views.js';
import { answerQuery, oxigraphFailure, describeService } from './sparql-engine.js';
import type { MirrorUpdates } from './mirror-updates.js';
import { withUsingGraphs } from './update-rewrite.js';

const ROOT = '/sparql';
const DATASETS = `${ROOT}/datasets`;

/** How long a request waits for the mirror to be built before it is told to come back. */
const MIRROR_WAIT_MS = 20_000;

/** The parts the endpoints use. */
export interface Services {
  readonly serverUrl: string;
  readonly mirror: Mirror;
  readonly views: ReadableViews;
  readonly updates: MirrorUpdates;
  readonly datasets: Datasets;
}

/**
 * Answers one HTTP request on the plugin's endpoints. Every answer may be read by pages of any
 * origin (SPARQL clients in the browser): rights come from signed headers, never cookies, and the
 * server answers the preflight itself.
 */
export async function handleRequest(services: Services, request: HttpRequestInput): Promise<HttpResponse> {
  let response: HttpResponse;
  try {
    response = await route(services, request);
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    response = errorReply(error);
  }
  return { ...response, headers: { 'access-control-allow-origin': '*', ...response.headers } };
}

async function route(services: Services, request: HttpRequestInput): Promise<HttpResponse> {
  const path = request.path.replace(/\/+$/, '') || '/';
  if (path === ROOT) return mirrorEndpoint(services, request);
  if (path === DATASETS) return datasetsCollection(services, request);
  if (path.startsWith(`${DATASETS}/`)) {
    const [name = '', section, ...rest] = path.slice(DATASETS.length + 1).split('/');
    // Who may not read datasets does not learn which exist.
    await requireDriveRight(services, request.agent, 'read');
    const store = services.datasets.get(name);
    if (!store) throw new ProtocolError(404, `there is no dataset named "${name}"; GET ${DATASETS} lists them`);
    if (section === undefined) return datasetEndpoint(services, request, name);
    if (section === 'data') {
      if (request.method !== 'GET') await requireDriveRight(services, request.agent, 'write');
      const storeUrl = `${services.serverUrl}${DATASETS}/${name}/data`;
      return answerGraphStore(store, { request, storeUrl, below: rest.length > 0 ? `/${rest.join('/')}` : '' }, () => services.datasets.save(name));
    }
  }
  throw new ProtocolError(404, `nothing at ${request.path}; the SPARQL endpoint is ${ROOT}, datasets are under ${DATASETS}`);
}

/** Refuses (401 anonymous, 403 otherwise) a requester without `right` on the drive. */
async function requireDriveRight(services: Services, agent: string | null, right: 'read' | 'write'): Promise<void> {
  if (right === 'write' && agent === null) throw new ProtocolError(401, 'sign the request as an agent (Atomic Data signed headers) to change datasets');
  if ((await canAll(agent, right, [services.serverUrl])).has(services.serverUrl)) return;
  if (agent === null) throw new ProtocolError(401, `the datasets of this server are not public; sign the request as an agent with ${right} rights on ${services.serverUrl}`);
  throw new ProtocolError(403, `${agent} has no ${right} rights on ${services.serverUrl}, which ${right === 'read' ? 'reading' : 'changing'} datasets needs`);
}

async function mirrorEndpoint(services: Services, request: HttpRequestInput): Promise<HttpResponse> {
  const endpoint = `${services.serverUrl}${ROOT}`;
  const op = readProtocolRequest(request, ROOT);
  if (op.kind === 'service') return describeService(endpoint, { update: true, unionDefaultGraph: true }, request.headers.accept, op.format);
  await mirrorReady(services.mirror);
  if (op.kind === 'update') {
    if (request.agent === null) throw new ProtocolError(401, 'an update changes resources as the agent who sends it: sign the request (Atomic Data signed headers)');
    return services.updates.apply(op, request.agent, endpoint);
  }
  const store = await services.views.storeFor(request.agent);
  return answerQuery({ store, base: endpoint, unionDefaultGraph: true }, op, request.headers.accept);
}

async function mirrorReady(mirror: Mirror): Promise<void> {
  let ready: boolean;
  try {
    ready = await mirror.readyWithin(MIRROR_WAIT_MS);
  } catch (error) {
    throw new ProtocolError(503, `the mirror of the server could not be built: ${(error as Error).message}`);
  }
  if (!ready) throw new ProtocolError(503, 'the mirror of the server is still being built; try again shortly', {}, { 'retry-after': '5' });
}

async function datasetsCollection(services: Services, request: HttpRequestInput): Promise<HttpResponse> {
  if (request.method === 'GET') {
    await requireDriveRight(services, request.agent, 'read');
    const datasets = services.datasets.names().map((name) => ({ name, endpoint: `${DATASETS}/${name}`, triples: services.datasets.get(name)!.size }));
    return jsonReply(200, { datasets });
  }
  if (request.method !== 'POST') throw methodNotAllowed(request.method, ['GET', 'POST'], DATASETS);
  await requireDriveRight(services, request.agent, 'write');
  if (parseContentType(request.headers['content-type'])?.mediaType !== 'application/json') throw new ProtocolError(415, `POST ${DATASETS} takes application/json: {"name": "..."}`);
  let body: unknown;
  try {
    body = JSON.parse(request.body);
  } catch (error) {
    throw new ProtocolError(400, `the body is not JSON: ${(error as Error).message}`);
  }
  const name = typeof body === 'object' && body !== null ? (body as { name?: unknown }).name : undefined;
  const problem = datasetNameProblem(name);
  if (problem) throw new ProtocolError(400, problem);
  services.datasets.create(name as string);
  const endpoint = `${DATASETS}/${name as string}`;
  return jsonReply(201, { name, endpoint }, { location: endpoint });
}

async function datasetEndpoint(services: Services, request: HttpRequestInput, name: string): Promise<HttpResponse> {
  const store = services.datasets.get(name)!;
  const endpoint = `${services.serverUrl}${DATASETS}/${name}`;
  if (request.method === 'DELETE') {
    await requireDriveRight(services, request.agent, 'write');
    services.datasets.remove(name);
    return { status: 204, headers: {}, body: '' };
  }
  const op = readProtocolRequest(request, `${DATASETS}/${name}`);
  if (op.kind === 'service') return describeService(endpoint, { update: true, unionDefaultGraph: false }, request.headers.accept, op.format);
  if (op.kind === 'query') {
    return answerQuery({ store, base: endpoint, unionDefaultGraph: false }, op, request.headers.accept);
  }
  await requireDriveRight(services, request.agent, 'write');
  const update = op.usingGraphs.length > 0 || op.usingNamedGraphs.length > 0 ? withUsingGraphs(op.update, endpoint, op.usingGraphs, op.usingNamedGraphs) : op.update;
  try {
    store.update(update, { base_iri: endpoint });
  } catch (error) {
    throw oxigraphFailure(error, 'update');
  }
  services.datasets.save(name);
  return { status: 204, headers: {}, body: '' };
}
