// The browser SDK: signing in as an agent, signing requests and Commits, in pages a plugin or the
// host serves. Bundled into the page (esbuild, or `atomic-plugin build`'s `?browser` imports).

export { parseSecret, signCommit, signedHeaders, type Agent } from './agent.js';
export { forgetAgent, rememberAgent, SECRET_STORAGE_KEY, storedAgent } from './session.js';
export type { CommitChanges } from '../common/commit.js';
