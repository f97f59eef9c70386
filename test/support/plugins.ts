// Installing plugins into a running host the way any client does: build the package, sign it,
// upload it, and create the Plugin resource with a signed commit.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentIdentity } from '../../server/atomic/agent.js';
import { signRequestHeaders } from '../../server/atomic/auth.js';
import { classes, props } from '../../server/atomic/urls.js';
import { buildPackage, signPackage } from '../../server/plugins/package.js';
import { compileAssemblyScript } from './asc.js';
import { postCommit, type HttpResult } from './commits.js';
import { repoRoot } from './host-process.js';

export const probeDir = join(repoRoot, 'fixtures/plugins/probe');

/** The probe plugin's package, built from source, signed by `publisher` unless it is undefined. */
export async function probePackage(publisher: AgentIdentity | undefined, manifestChanges: Record<string, unknown> = {}): Promise<Uint8Array> {
  const manifest = { ...JSON.parse(readFileSync(join(probeDir, 'plugin.json'), 'utf8')), ...manifestChanges };
  const zip = buildPackage({
    'plugin.json': new TextEncoder().encode(JSON.stringify(manifest)),
    'plugin.wasm': await compileAssemblyScript(probeDir),
  });
  return publisher ? signPackage(zip, publisher) : zip;
}

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

export const hostileDir = join(repoRoot, 'fixtures/plugins/hostile');

/**
 * A package built from the plugin sources in `dir`: `entry` compiled with the real asc (default
 * index.ts), the manifest read from `manifestFile` (default plugin.json) with `manifestChanges`
 * merged in; signed by `publisher` unless it is undefined.
 */
export async function pluginPackage(
  dir: string,
  publisher: AgentIdentity | undefined,
  options: { entry?: string; manifestFile?: string; manifestChanges?: Record<string, unknown> } = {},
): Promise<Uint8Array> {
  const manifest = { ...JSON.parse(readFileSync(join(dir, options.manifestFile ?? 'plugin.json'), 'utf8')), ...options.manifestChanges };
  const zip = buildPackage({
    'plugin.json': new TextEncoder().encode(JSON.stringify(manifest)),
    'plugin.wasm': await compileAssemblyScript(dir, options.entry ?? 'index.ts'),
  });
  return publisher ? signPackage(zip, publisher) : zip;
}
