// The SDK for plugin views (atomic-plugin/sdk/view): what a plugin's ui.js imports to talk to the
// dashboard page that frames it. See docs/plugins/views.md.

export { connectView, ViewError, type ViewClient } from './client.js';
export type { CommitRequest, CommitResult, ErrorCode, JsonObject, QueryParams, QueryResult, Resource, ViewContext, ViewMode } from './protocol.js';
