// atomic-plugin/sdk/node: the helper for `process` plugins written for Node. See README.md.

export { definePlugin, HookError, pluginContext, rawOutput, RawOutput } from './plugin.js';
export type { CallContext, Handler, PluginDefinition } from './plugin.js';
export {
  BatchRefused,
  callPlugin,
  can,
  commit,
  commitBatch,
  getConfig,
  getPluginAgent,
  getResource,
  hostCall,
  HostError,
  HostFunctionFailed,
  hostStats,
  httpRequest,
  kvDelete,
  kvGet,
  kvSet,
  log,
  query,
} from './host.js';
export type { CommitChanges, CommitOptions, Envelope, QueryRequest, QueryResult, Resource, Right } from './host.js';
export { signCommit, signedHeaders } from './agent.js';
export { canonicalJson } from '../common/commit.js';
export type { Json } from './json-rpc.js';
export type { HostFigures, HostStats, LatencyPercentiles, PluginFigures, PluginState } from '../common/host-stats.js';
export type { AgentCredentials, InitializeParams } from './protocol.js';
export { PROTOCOL_VERSION } from './protocol.js';
export { bytes, errorReply, HttpError, json, requestBytes, routeOf, setValue, text } from './hooks.js';
export { canAll, isCommit, readResource, ResourceSync, resourcePages, subjectPages } from './resources.js';
export { RightsCache } from './rights-cache.js';
export type { SyncOptions, SyncStatus, SyncTarget } from './resources.js';
export type { CommitEvent, HttpRequestInput, HttpResponse, InitInput, PluginEventInput, ResourceGetInput, ScheduleInput } from './hooks.js';
