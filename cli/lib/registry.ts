// A server's plugin registry, from the CLI's side: `publish --server` records a release as Atomic
// Data resources (a PluginListing per namespace/name, a PluginRelease per version, created with
// signed commits like any other resource), and `install namespace/name@range` finds the newest
// release that satisfies the range (semver, as npm resolves a dependency).

import semver from 'semver';
import type { AgentIdentity } from '../../server/atomic/agent.js';
import { signCommit, type CommitChanges } from '../../server/atomic/commit.js';
import type { PropVals } from '../../server/atomic/json-ad.js';
import { localProps, props, publicAgent } from '../../server/atomic/urls.js';
import type { PluginPackage } from '../../server/plugins/package.js';
import { CliError } from './errors.js';
import type { JsonValue } from './output.js';
import type { JsonObject } from './plugin-config.js';
import { fetchIfExists, tryPostCommit } from './server-client.js';

const REF = /^([a-z0-9-]+)\/([a-z0-9-]+)(?:@(.+))?$/;

/** A registry reference, `namespace/name[@range]`. */
export interface RegistryRef {
  namespace: string;
  name: string;
  /** A semver range; `*` (the newest) when none was given. */
  range: string;
}

/** Parses `namespace/name[@range]`; undefined when `source` does not have that form. */
export function parseRegistryRef(source: string): RegistryRef | undefined {
  const match = REF.exec(source);
  if (!match) return undefined;
  const range = match[3] ?? '*';
  if (semver.validRange(range) === null) {
    throw new CliError('INVALID_INPUT', `${source}: "${range}" is not a semver range`, ['e.g. acme/hello@^1.2, acme/hello@1.x or acme/hello@1.2.3']);
  }
  return { namespace: match[1]!, name: match[2]!, range };
}

/** The listing's subject: `{server}/registry/{namespace}/{name}`. */
export function listingSubject(serverUrl: string, namespace: string, name: string): string {
  return `${serverUrl}/registry/${namespace}/${name}`;
}

/** One published version, as the registry records it. */
export interface Release {
  subject: string;
  version: string;
  /** Where the package can be downloaded (an uploaded package URL of the registry server). */
  packageUrl: string;
  digest: string;
  cid?: string;
  publisher?: string;
}

/** What `publish --server` recorded. */
export interface PublishedRelease extends Release {
  listing: string;
  /** False when the same version with the same digest was published already. */
  created: boolean;
}

const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: JsonValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

async function commit(serverUrl: string, agent: AgentIdentity, changes: CommitChanges, what: string): Promise<void> {
  const result = await tryPostCommit(serverUrl, signCommit(changes, agent));
  if (result.ok) return;
  const { status, description } = result.refusal;
  const suggestions = status === 401 || status === 403 ? ['the listing belongs to the agent that first published it: publish with that agent\'s secret, or under another namespace'] : [];
  throw new CliError('PUBLISH_REFUSED', `The server refused to ${what} (${status}): ${description}`, suggestions);
}

function readRelease(serverUrl: string, subject: string, resource: JsonObject): Release | undefined {
  const local = localProps(serverUrl);
  const version = str(resource[props.plugin.version]);
  const packageUrl = str(resource[props.plugin.file]);
  const digest = str(resource[local.packageDigest]);
  if (!version || !semver.valid(version) || !packageUrl || !digest) return undefined;
  const cid = str(resource[local.packageCid]);
  const publisher = str(resource[local.publisher]);
  return { subject, version, packageUrl, digest, ...(cid ? { cid } : {}), ...(publisher ? { publisher } : {}) };
}

/**
 * Records a release of `pkg` (already uploaded to `packageUrl`) in the registry of `serverUrl`.
 * The listing is created on first publish, readable by anyone and writable by its publisher only;
 * republishing a version with the same digest changes nothing, with another digest it is refused.
 */
export async function publishRelease(options: {
  serverUrl: string;
  agent: AgentIdentity;
  pkg: PluginPackage;
  packageUrl: string;
  cid?: string;
}): Promise<PublishedRelease> {
  const { serverUrl, agent, pkg, packageUrl, cid } = options;
  const { manifest } = pkg;
  const local = localProps(serverUrl);
  const listing = listingSubject(serverUrl, manifest.namespace, manifest.name);
  const subject = `${listing}/${manifest.version}`;
  const publisher = pkg.signature?.signer ?? agent.subject;
  const describe: PropVals = {};
  if (manifest.description) describe[props.description] = manifest.description;
  if (manifest.author) describe[props.plugin.author] = manifest.author;

  const existing = await fetchIfExists(subject, { agent });
  if (existing && isObject(existing.data)) {
    const release = readRelease(serverUrl, subject, existing.data);
    if (release?.digest === pkg.digest) return { ...release, listing, created: false };
    throw new CliError('PUBLISH_REFUSED', `${manifest.namespace}/${manifest.name}@${manifest.version} is published already with the digest ${release?.digest ?? '(none)'}, not ${pkg.digest}`, [
      'a published version never changes: bump "version" in plugin.json and publish again',
    ]);
  }
  if (!(await fetchIfExists(listing, { agent }))) {
    await commit(serverUrl, agent, {
      subject: listing,
      set: {
        [props.isA]: [local.pluginListing],
        [props.parent]: serverUrl,
        [props.name]: manifest.name,
        [props.plugin.namespace]: manifest.namespace,
        [props.read]: [publicAgent],
        [props.write]: [agent.subject],
        ...describe,
      },
    }, `create the listing ${listing}`);
  }
  const set: PropVals = {
    [props.isA]: [local.pluginRelease],
    [props.parent]: listing,
    [props.name]: `${manifest.namespace}/${manifest.name}@${manifest.version}`,
    [props.plugin.version]: manifest.version,
    [props.plugin.file]: packageUrl,
    [local.packageDigest]: pkg.digest,
    [local.publisher]: publisher,
    ...(cid ? { [local.packageCid]: cid } : {}),
  };
  await commit(serverUrl, agent, { subject, set }, `record the release ${subject}`);
  // The listing's description follows the newest publish; its releases list grows by one.
  await commit(serverUrl, agent, { subject: listing, set: describe, push: { [local.releases]: [subject] } }, `add the release to ${listing}`);
  return { subject, version: manifest.version, packageUrl, digest: pkg.digest, ...(cid ? { cid } : {}), publisher, listing, created: true };
}

/** Every release a listing records (unreadable or malformed ones are skipped). */
export async function listReleases(serverUrl: string, agent: AgentIdentity | undefined, ref: RegistryRef): Promise<Release[]> {
  const local = localProps(serverUrl);
  const listing = listingSubject(serverUrl, ref.namespace, ref.name);
  const fetched = await fetchIfExists(listing, agent ? { agent } : {});
  if (!fetched || !isObject(fetched.data)) {
    throw new CliError('REGISTRY_NOT_FOUND', `The registry of ${serverUrl} has no plugin ${ref.namespace}/${ref.name}`, [
      'check the name; its publisher records it with `atomic-plugin publish --server <url>`',
    ]);
  }
  const subjects = fetched.data[local.releases];
  const releases: Release[] = [];
  for (const subject of Array.isArray(subjects) ? subjects : []) {
    if (typeof subject !== 'string') continue;
    const resource = await fetchIfExists(subject, agent ? { agent } : {});
    const release = resource && isObject(resource.data) ? readRelease(serverUrl, subject, resource.data) : undefined;
    if (release) releases.push(release);
  }
  return releases;
}

/** The newest release of `ref` that satisfies its range; NO_MATCHING_VERSION names the others. */
export async function resolveRelease(serverUrl: string, agent: AgentIdentity | undefined, ref: RegistryRef): Promise<Release> {
  const releases = await listReleases(serverUrl, agent, ref);
  const best = semver.maxSatisfying(releases.map((r) => r.version), ref.range);
  const release = releases.find((r) => r.version === best);
  if (!release) {
    const versions = releases.map((r) => r.version).sort(semver.compare);
    throw new CliError('NO_MATCHING_VERSION', `No published version of ${ref.namespace}/${ref.name} satisfies ${ref.range}`, [
      versions.length > 0 ? `published: ${versions.join(', ')}` : 'no version is published yet',
    ]);
  }
  return release;
}
