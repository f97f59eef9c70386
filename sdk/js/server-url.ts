// The server's URL as a plugin sees it. Every agent the host makes lives at
// `{server}/agents/{public key}`, so the plugin's own agent says where the server (and its drive,
// whose subject is the server's URL) is: no config needed.

import { getPluginAgent, type HostResult } from './host.js';

/**
 * The server's URL from an agent subject on it: `https://example.com/agents/abc=` gives
 * `https://example.com`. Throws when the subject is not under `{server}/agents/`.
 */
export function serverUrlOf(agentSubject: string): string {
  const at = agentSubject.lastIndexOf('/agents/');
  if (at < 0) throw new Error(`the agent ${agentSubject} is not under {server}/agents/`);
  return agentSubject.slice(0, at);
}

/** The URL of the server the plugin runs on (also its drive's subject), from the plugin's agent. */
export function serverUrl(): HostResult<string> {
  const agent = getPluginAgent();
  return agent.ok ? { ok: true, value: serverUrlOf(agent.value.subject) } : agent;
}
