// The view author's side of the RPC: a typed client that a plugin's ui.js uses to ask the dashboard
// page for resources, queries and commits. It only believes answers from the page that framed it
// (window.parent): another frame on the page cannot answer in the page's name.

import { PROTOCOL, parseResponse, type CommitRequest, type CommitResult, type ErrorCode, type JsonObject, type Method, type Methods, type QueryParams, type QueryResult, type Resource, type ViewContext } from './protocol.js';

/** A refused or failed request: `code` says why (DENIED when the user said no). */
export class ViewError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ViewError';
  }
}

/** What a view can ask the page for. Every method may reject with a {@link ViewError}. */
export interface ViewClient {
  /** What the frame renders (a resource or the settings page) and as whom. */
  context(): Promise<ViewContext>;
  /** The resource on view. */
  viewed(): Promise<Resource>;
  /** Another resource; the user is asked first when it is outside the viewed resource or the plugin's rights. */
  resource(subject: string): Promise<Resource>;
  /** A collection query; members the user does not let the view see are left out (counted in `withheld`). */
  query(params: QueryParams): Promise<QueryResult>;
  /** Asks the user to sign a commit; rejects with DENIED when they cancel it. */
  commit(changes: CommitRequest): Promise<CommitResult>;
  /** Settings mode: the plugin's config. */
  config(): Promise<JsonObject>;
  /** Settings mode: saves a new config (shown to the user first, checked against the plugin's configSchema). */
  saveConfig(config: JsonObject): Promise<CommitResult>;
  /** Keeps the frame as tall as the document (on by default). */
  autoResize(): void;
}

/**
 * Connects to the page that framed this view.
 *
 * @example
 * const view = connectView();
 * const resource = await view.viewed();
 * document.body.textContent = String(resource['https://atomicdata.dev/properties/name']);
 */
export function connectView(target: Window = window.parent): ViewClient {
  let nextId = 1;
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  window.addEventListener('message', (event) => {
    if (event.source !== target) return;
    const response = parseResponse(event.data);
    const pending = response && waiting.get(response.id);
    if (!response || !pending) return;
    waiting.delete(response.id);
    if ('error' in response) pending.reject(new ViewError(response.error.code, response.error.message));
    else pending.resolve(response.result);
  });
  const call = <M extends Method>(method: M, params: Methods[M]['params']): Promise<Methods[M]['result']> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      // The page's origin is not the frame's (which is opaque): '*' is the only target that reaches it.
      target.postMessage({ protocol: PROTOCOL, id, method, params }, '*');
    });

  let resizing = false;
  const client: ViewClient = {
    context: () => call('context', null),
    viewed: () => call('getViewed', null),
    resource: (subject) => call('getResource', { subject }),
    query: (params) => call('query', params),
    commit: (changes) => call('commit', changes),
    config: () => call('getConfig', null),
    saveConfig: (config) => call('saveConfig', { config }),
    autoResize: () => {
      if (resizing) return;
      resizing = true;
      let last = -1;
      const report = (): void => {
        const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
        if (height !== last) void call('resize', { height: (last = height) }).catch(() => {});
      };
      new ResizeObserver(report).observe(document.documentElement);
      report();
    },
  };
  client.autoResize();
  return client;
}
