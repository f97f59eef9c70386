// Installing plugins into a running host the way any client does: build the package, sign it,
// upload it, and create the Plugin resource with a signed commit.

import type { AgentIdentity } from '../../server/atomic/agent.js';
import { signRequestHeaders } from '../../server/atomic/auth.js';
import { classes, props } from '../../server/atomic/urls.js';
import { postCommit, type HttpResult } from './commits.js';

/** Uploads a package; returns its URL. */
export async function uploadPackage(serverUrl: string, zip: Uint8Array, agent: AgentIdentity): Promise<string> {
  const url = `${serverUrl}/plugins/packages`;
  const response = await fetch(url, { method: 'POST', body: zip, headers: { 'content-type': 'application/zip', ...signRequestHeaders(url, agent) } });
  if (response.status !== 201) throw new Error(`upload failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { '@id': string })['@id'];
}

/** Creates (or changes) the Plugin resource at `subject` with a commit signed by `agent`. */
export function installPlugin(
  serverUrl: string,
  agent: AgentIdentity,
  subject: string,
  packageUrl: string,
  options: { granted?: string[]; config?: Record<string, unknown>; create?: boolean } = {},
): Promise<HttpResult> {
  const set: Record<string, unknown> = {
    [props.plugin.file]: packageUrl,
    [props.plugin.permissions]: options.granted ?? [],
  };
  if (options.config) set[props.plugin.config] = options.config;
  if (options.create !== false) {
    set[props.isA] = [classes.plugin];
    set[props.parent] = serverUrl;
  }
  return postCommit(serverUrl, { subject, set: set as never }, agent);
}
