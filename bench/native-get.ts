// The floor of any request to a host at C=1: a signed GET of one resource as JSON-AD, the host's
// own route with no plugin involved. Plugin suites print it next to their endpoints' latency.

import type { AgentIdentity } from '../server/atomic/agent.js';
import { signRequestHeaders } from '../server/atomic/auth.js';
import { describe, runConcurrent, type HttpClient, type LoadStats, type RequestSpec } from './load.js';

/** Warms up for `warmupMs`, then measures signed GETs of `subject` as `agent` for `durationMs`. */
export async function measureNativeGet(
  client: HttpClient,
  agent: AgentIdentity,
  subject: string,
  options: { warmupMs: number; durationMs: number; maxOps: number; progress: (line: string) => void; label: string },
): Promise<LoadStats> {
  // One signature per phase: it covers the URL and a timestamp and stays valid for 30 s.
  const spec = (): RequestSpec => ({ method: 'GET', path: new URL(subject).pathname, headers: { accept: 'application/ad+json', ...signRequestHeaders(subject, agent) } });
  const warm = spec();
  await runConcurrent(1, { maxOps: options.maxOps, durationMs: options.warmupMs }, client.op(() => warm));
  const measured = spec();
  const stats = await runConcurrent(1, { maxOps: options.maxOps, durationMs: options.durationMs }, client.op(() => measured));
  options.progress(`${options.label}: native signed GET (the floor of any request): ${describe(stats, ' req/s')}`);
  return stats;
}
