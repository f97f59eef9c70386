// The browser SDK: signing in as an agent, signing requests and Commits, sending signed requests
// (refusals as errors with the server's message), in pages a plugin or the host serves. Bundled into the page (esbuild, or `atomic-plugin build`'s `?browser` imports).

export { parseSecret, signCommit, signedHeaders, type Agent } from './agent.js';
export { errorMessage, signInFailure } from './messages.js';
export { refusalMessage, RequestError, signedFetch, type RequestOptions } from './request.js';
export { forgetAgent, rememberAgent, SECRET_STORAGE_KEY, signIn, storedAgent, type SignIn } from './session.js';
export type { CommitChanges } from '../common/commit.js';
export type { HostFigures, HostStats, LatencyPercentiles, PluginFigures, PluginState } from '../common/host-stats.js';
