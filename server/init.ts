// First start of a data folder: record which server URL it belongs to, create the owner agent
// (its secret written with mode 0600) and the Drive at the server's root. On every start, bring
// the built-in ontology in the store up to date.

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { createAgentIdentity, encodeSecret, type AgentIdentity } from './atomic/agent.js';
import { commitToPropVals, signCommit } from './atomic/commit.js';
import { coreOntology } from './atomic/ontology/index.js';
import { classes, datatypes, localProps, props, publicAgent } from './atomic/urls.js';
import type { PropVals } from './atomic/json-ad.js';
import type { CommitProcessor } from './commits.js';
import { ownerSecretPath, readOwner } from './data-dir.js';
import type { Store } from './store/store.js';

/** What initialization found or made. */
export interface InitResult {
  owner: AgentIdentity;
  /** True when this start created the owner agent and its secret. */
  created: boolean;
}

const HOST_FILE = 'host.json';

/** Refuses a data folder that was made for another server URL: its subjects would not resolve. */
export function claimDataDir(dataDir: string, serverUrl: string): void {
  const file = join(dataDir, HOST_FILE);
  if (existsSync(file)) {
    const recorded = (JSON.parse(readFileSync(file, 'utf8')) as { serverUrl?: string }).serverUrl;
    if (recorded !== serverUrl) {
      throw new Error(`The data folder ${dataDir} belongs to ${recorded}, not ${serverUrl}: start with --server-url ${recorded} (and its port), or use another --data-dir.`);
    }
    return;
  }
  writeFileAtomic(file, `${JSON.stringify({ serverUrl }, null, 2)}\n`, 0o644);
}

function writeFileAtomic(path: string, content: string, mode: number): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode });
  renameSync(temp, path);
}

/** Writes the core ontology resources that are missing or differ from the built-in copy. */
export async function syncOntology(store: Store): Promise<number> {
  const stale = coreOntology.filter((r) => !isDeepStrictEqual(store.get(r.subject), r.propvals));
  if (stale.length > 0) await store.transact((txn) => stale.forEach((r) => txn.put(r.subject, { ...r.propvals })));
  return stale.length;
}

/** Makes sure the owner agent and the drive exist. */
export async function initialize(store: Store, commits: CommitProcessor, serverUrl: string, dataDir: string): Promise<InitResult> {
  const secretPath = ownerSecretPath(dataDir);
  const created = !existsSync(secretPath);
  // The secret is written first: if the process dies before the commits below, the next start
  // finishes the job with the same owner instead of leaving an agent nobody holds the key of.
  let owner: AgentIdentity;
  if (created) {
    owner = createAgentIdentity(serverUrl);
    writeFileAtomic(secretPath, `${encodeSecret(owner)}\n`, 0o600);
  } else {
    owner = readOwner(dataDir);
  }
  if (!store.get(owner.subject)) {
    const commit = signCommit(
      {
        subject: owner.subject,
        set: {
          [props.isA]: [classes.agent],
          [props.publicKey]: owner.publicKey,
          [props.name]: 'Owner',
          [props.read]: [publicAgent],
          [props.write]: [owner.subject],
        },
      },
      owner,
    );
    await commits.process(commitToPropVals(commit), { asHost: true });
  }
  if (!store.get(serverUrl)) {
    const commit = signCommit(
      {
        subject: serverUrl,
        set: {
          [props.isA]: [classes.drive],
          [props.name]: 'Drive',
          [props.description]: 'The root of this server. Every resource lives under it.',
          [props.read]: [owner.subject],
          [props.write]: [owner.subject],
        },
      },
      owner,
    );
    await commits.process(commitToPropVals(commit), { asHost: true });
  }
  await ensureLocalOntology(commits, store, serverUrl, owner);
  return { owner, created };
}

/** Definitions of the properties this server adds (localProps), public so any client can read them. */
async function ensureLocalOntology(commits: CommitProcessor, store: Store, serverUrl: string, owner: AgentIdentity): Promise<void> {
  const local = localProps(serverUrl);
  const definitions: [subject: string, set: PropVals][] = [
    [local.ontology, { [props.isA]: [classes.ontology], [props.name]: 'atomic-plugin', [props.description]: 'Properties this server adds for its plugins.', [props.read]: [publicAgent] }],
    [local.pluginEnabled, property('plugin-enabled', datatypes.boolean, 'False while an operator has switched the plugin off.')],
    [local.pluginStatus, property('plugin-status', datatypes.string, 'active, disabled or failed: what the plugin host is doing with this plugin.')],
    [local.pluginError, property('plugin-error', datatypes.string, 'Why the plugin is failed or was switched off.')],
    [local.pluginHooks, property('plugin-hooks', datatypes.json, 'The endpoints, schedules and hooks the plugin serves.')],
    [local.pluginStats, property('plugin-stats', datatypes.json, 'Counters of the running plugin: calls, failures, timeouts, restarts.')],
    [local.releases, property('releases', datatypes.resourceArray, 'The published versions of a plugin listing, one PluginRelease each.')],
    [local.packageDigest, property('package-digest', datatypes.string, 'The content digest (sha256:<hex>) of a released plugin package, as `atomic-plugin verify` prints it.')],
    [local.packageCid, property('package-cid', datatypes.string, 'The IPFS CID (Kubo defaults: CIDv0) a released plugin package was published under.')],
    [local.publisher, property('publisher', datatypes.atomicUrl, 'The agent that published this release (the package signer when signed).')],
    [local.onBehalfOf, { ...property('on-behalf-of', datatypes.atomicUrl, 'On a commit signed by a plugin\'s agent: the agent whose request the plugin was serving. The commit was checked against the rights of both.'), [props.classtype]: classes.agent }],
    [local.appliedAfter, { ...property('applied-after', datatypes.atomicUrl, 'On a commit: the commit this server applied to the same resource just before it. Recorded by the server when it applies the commit, not part of what was signed.'), [props.classtype]: classes.commit }],
    [local.pluginListing, pluginClass('plugin-listing', 'A plugin in this server\'s registry: its namespace, name and published releases.', [props.name, props.plugin.namespace], [local.releases, props.description, props.plugin.author])],
    [local.pluginRelease, pluginClass('plugin-release', 'One published version of a registry plugin: its package file, digest and publisher.', [props.plugin.version, props.plugin.file, local.packageDigest], [local.packageCid, local.publisher])],
  ];
  for (const [subject, set] of definitions) {
    if (store.get(subject)) continue;
    const commit = signCommit({ subject, set: { [props.parent]: subject === local.ontology ? serverUrl : local.ontology, ...set } }, owner);
    await commits.process(commitToPropVals(commit), { asHost: true });
  }
}

function pluginClass(shortname: string, description: string, requires: string[], recommends: string[]): PropVals {
  return { [props.isA]: [classes.class], [props.shortname]: shortname, [props.description]: description, [props.requires]: requires, [props.recommends]: recommends };
}

function property(shortname: string, datatype: string, description: string): PropVals {
  return { [props.isA]: [classes.property], [props.shortname]: shortname, [props.datatype]: datatype, [props.description]: description };
}
