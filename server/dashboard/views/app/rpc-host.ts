// The page's side of the view RPC for one framed view: it takes messages only from that frame's
// window, checks their shape (sdk/view/protocol.ts), and answers within the plugin's grants. Reads
// go through the read grants (grants.ts); every commit, config saves included, is shown to the user
// and signed here with their key only once they confirm. A frame that navigates away is dropped.

import { RequestError } from 'atomic-plugin/sdk/browser';
import { PROTOCOL, parseRequest, type CommitRequest, type ErrorCode, type JsonObject, type Method, type Methods, type Request, type ViewMode } from '../../../../sdk/view/protocol.js';
import { h } from '../../app/dom.js';
import { ask } from './dialogs.js';
import { createReadGrants } from './grants.js';
import type { ViewListing } from '../listing.js';
import type { ServerApi } from './server-api.js';

const P = 'https://atomicdata.dev/properties/';
const CONFIG = `${P}config`;
const MEMBERS = `${P}collection/members`;
/** Requests a view may have waiting at once; more are refused (BUSY). */
const MAX_PENDING = 8;
const MIN_HEIGHT = 60;
const MAX_HEIGHT = 4000;

/** Which view a frame holds. */
export interface MountedView {
  frame: HTMLIFrameElement;
  mode: ViewMode;
  /** The resource on view (the Plugin resource in settings mode). */
  viewed: string;
  listing: ViewListing;
  /** Called when the page stops serving the frame, with the reason. */
  onStop: (reason: string) => void;
}

class RpcError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const denied = (what: string): RpcError => new RpcError('DENIED', `the user did not allow ${what}`);

function fromServer(error: unknown): RpcError {
  if (error instanceof RpcError) return error;
  if (error instanceof RequestError) {
    const code: ErrorCode = error.status === 404 ? 'NOT_FOUND' : error.status === 401 || error.status === 403 ? 'FORBIDDEN' : 'FAILED';
    return new RpcError(code, error.message);
  }
  return new RpcError('FAILED', error instanceof Error ? error.message : String(error));
}

/** The changes of a commit as the user reads them. */
function describeChanges(changes: CommitRequest): string {
  const shown: Record<string, unknown> = {};
  if (changes.set && Object.keys(changes.set).length > 0) shown.set = changes.set;
  if (changes.remove && changes.remove.length > 0) shown.remove = changes.remove;
  if (changes.push && Object.keys(changes.push).length > 0) shown.push = changes.push;
  if (changes.destroy) shown.destroy = true;
  return JSON.stringify(shown, null, 2);
}

/** Serves the RPC of one framed view until it navigates away. Call before the frame loads. */
export function serveView(api: ServerApi, view: MountedView): void {
  const { frame, mode, viewed } = view;
  const { plugin, id: pluginId } = view.listing;
  const grants = createReadGrants(api, plugin, pluginId, viewed);
  let pending = 0;
  let loads = 0;
  let stopped = false;

  const stop = (reason: string): void => {
    if (stopped) return;
    stopped = true;
    window.removeEventListener('message', onMessage);
    view.onStop(reason);
  };
  // The first load is the view's document; any later one is the frame going somewhere else, and
  // whatever is there now gets no answers.
  frame.addEventListener('load', () => {
    if (++loads > 1) stop('The view navigated away from its document and was stopped.');
  });

  const signAfterAsking = async (changes: CommitRequest, title: string): Promise<{ commit: string }> => {
    // A resource the user cannot read yet is a new one (or refused anyway): its parent says where it goes.
    const standing = await grants.standing(changes.subject).catch(() => ({ readable: false, inside: false }));
    const parent = changes.set?.[`${P}parent`];
    const inside = standing.readable ? standing.inside : typeof parent === 'string' && (await grants.standing(parent).catch(() => standing)).inside;
    const yes = await ask({
      title,
      body: [
        h('p', {}, `${pluginId} asks you to sign this change with your key:`),
        h('pre', { class: 'subject' }, changes.subject),
        h('pre', { class: 'changes' }, describeChanges(changes)),
        ...(inside ? [] : [h('p', { class: 'warning' }, `It is not inside ${viewed}, the resource this view was opened for.`)]),
      ],
      confirm: 'Sign and send',
      cancel: 'Cancel',
    });
    if (!yes) throw denied(`the commit on ${changes.subject}`);
    return { commit: await api.commit(changes) };
  };

  const handlers: { [M in Method]: (params: Methods[M]['params']) => Promise<Methods[M]['result']> } = {
    context: async () => ({ mode, subject: viewed, plugin, agent: api.agent.subject }),
    getViewed: () => api.resource(viewed),
    getResource: async ({ subject }) => {
      if (!(await grants.filter([subject])).has(subject)) throw denied(`reading ${subject}`);
      return api.resource(subject);
    },
    query: async (params) => {
      const query = new URLSearchParams();
      if (params.property !== undefined) query.set('property', params.property);
      if (params.value !== undefined) query.set('value', params.value);
      if (params.sortBy !== undefined) query.set('sort_by', params.sortBy);
      if (params.sortDesc) query.set('sort_desc', 'true');
      query.set('current_page', String(params.page ?? 0));
      query.set('page_size', String(params.pageSize ?? 30));
      const collection = await api.getJson<Record<string, unknown>>(`/query?${query}`, 'application/ad+json');
      const members = Array.isArray(collection[MEMBERS]) ? (collection[MEMBERS] as unknown[]).filter((m): m is string => typeof m === 'string') : [];
      const allowed = await grants.filter(members);
      const subjects = members.filter((m) => allowed.has(m));
      return { subjects, total: members.length, withheld: members.length - subjects.length };
    },
    commit: (changes) => signAfterAsking(changes, `Sign a change for ${pluginId}?`),
    getConfig: async () => {
      if (mode !== 'settings') throw new RpcError('FORBIDDEN', 'getConfig is for settings views');
      const config = (await api.resource(plugin))[CONFIG];
      return typeof config === 'object' && config !== null && !Array.isArray(config) ? (config as JsonObject) : view.listing.defaultConfig;
    },
    saveConfig: ({ config }) => {
      if (mode !== 'settings') return Promise.reject(new RpcError('FORBIDDEN', 'saveConfig is for settings views'));
      return signAfterAsking({ subject: plugin, set: { [CONFIG]: config } }, `Save the settings of ${pluginId}?`);
    },
    resize: async ({ height }) => {
      frame.style.height = `${Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, Math.ceil(height)))}px`;
      return null;
    },
  };

  const reply = (message: unknown): void => {
    if (!stopped) frame.contentWindow?.postMessage(message, '*');
  };
  const dispatch = async (request: Request): Promise<void> => {
    try {
      const handler = handlers[request.method] as (params: unknown) => Promise<unknown>;
      reply({ protocol: PROTOCOL, id: request.id, result: await handler(request.params) });
    } catch (error) {
      const failure = fromServer(error);
      reply({ protocol: PROTOCOL, id: request.id, error: { code: failure.code, message: failure.message } });
    }
  };

  function onMessage(event: MessageEvent): void {
    // Only this frame's own window speaks for this plugin; what a message claims does not matter.
    if (stopped || event.source === null || event.source !== frame.contentWindow) return;
    const request = parseRequest(event.data);
    if (request === null) return;
    if ('problem' in request) {
      reply({ protocol: PROTOCOL, id: request.id, error: { code: 'INVALID_REQUEST', message: request.problem } });
      return;
    }
    if (pending >= MAX_PENDING) {
      reply({ protocol: PROTOCOL, id: request.id, error: { code: 'BUSY', message: `at most ${MAX_PENDING} requests at a time` } });
      return;
    }
    pending++;
    void dispatch(request).finally(() => pending--);
  }
  window.addEventListener('message', onMessage);
}
