// `publish`: a package (a folder is built first) to the embedded IPFS node or a Kubo node, and/or
// to a server's registry, where it becomes a PluginRelease of its PluginListing (registry.ts).

import type { AgentIdentity } from '../../server/atomic/agent.js';
import { CliError } from './errors.js';
import { addToIpfs } from './ipfs.js';
import { uploadPackage } from './installations.js';
import { loadPackage } from './plugin-source.js';
import { publishRelease } from './registry.js';

/** What `publish` reports (its `--json` output). */
export interface PublishResult {
  /** `namespace/name`. */
  plugin: string;
  version: string;
  digest: string;
  /** The signer, when the package is signed. */
  signer?: string;
  /** Set with --ipfs / --ipfs-api: the CID and the node it was added to. */
  cid?: string;
  ipfsNode?: string;
  /** Set with --server: the package URL on that server and the registry resources. */
  packageUrl?: string;
  listing?: string;
  release?: string;
  /** False when that version was in the registry already with the same digest. */
  created?: boolean;
  /** The package zip that was built, when the source was a folder. */
  built?: string;
}

/** Options of {@link publish}. */
export interface PublishOptions {
  source: string;
  /** Add to IPFS (the embedded node, or `ipfsApi`). */
  ipfs: boolean;
  ipfsApi?: string;
  /** Record in this server's registry, acting as `agent`. */
  registry?: { serverUrl: string; agent: AgentIdentity };
  progress: (line: string) => void;
}

/** Publishes a package where the options say; at least one of IPFS or a registry is required. */
export async function publish(options: PublishOptions): Promise<PublishResult> {
  const { progress, registry } = options;
  const toIpfs = options.ipfs || options.ipfsApi !== undefined;
  if (!toIpfs && !registry) {
    throw new CliError('INVALID_INPUT', 'Say where to publish: --ipfs (the embedded IPFS node), --ipfs-api <url> (a Kubo node) and/or --server <url> (a server\'s registry)', [
      'e.g. `atomic-plugin publish . --ipfs --server http://localhost:9883`',
    ]);
  }
  if (/^(ipfs|https?):\/\//i.test(options.source)) {
    throw new CliError('INVALID_INPUT', `${options.source}: publish takes a plugin folder or a package zip`, ['download the package first, or publish from its folder']);
  }
  const loaded = await loadPackage(options.source, progress);
  const { manifest, digest, signature } = loaded.pkg;
  if (!signature) progress('The package is not signed: hosts that require signed packages will refuse it (`atomic-plugin sign`).');
  const result: PublishResult = {
    plugin: `${manifest.namespace}/${manifest.name}`,
    version: manifest.version,
    digest,
    ...(signature ? { signer: signature.signer } : {}),
    ...(loaded.built ? { built: loaded.built.path } : {}),
  };
  if (toIpfs) {
    progress(`Adding ${loaded.zip.length} bytes to ${options.ipfsApi ?? 'the embedded IPFS node'}…`);
    const added = await addToIpfs(loaded.zip, options.ipfsApi);
    Object.assign(result, { cid: added.cid, ipfsNode: added.location });
  }
  if (registry) {
    const { serverUrl, agent } = registry;
    progress(`Uploading to ${serverUrl}/plugins/packages…`);
    const packageUrl = await uploadPackage(serverUrl, loaded.zip, agent);
    // With a CID the server keeps the bytes in its blockstore too, so that installing
    // ipfs://<cid> on it needs no upload; it recomputes the CID and refuses a mismatch.
    if (result.cid) await uploadPackage(serverUrl, loaded.zip, agent, result.cid);
    progress(`Recording ${result.plugin}@${result.version} in the registry of ${serverUrl}…`);
    const release = await publishRelease({ serverUrl, agent, pkg: loaded.pkg, packageUrl, ...(result.cid ? { cid: result.cid } : {}) });
    Object.assign(result, { packageUrl, listing: release.listing, release: release.subject, created: release.created });
  }
  return result;
}
