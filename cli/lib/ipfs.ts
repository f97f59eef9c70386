// The CLI's IPFS node: the embedded blockstore under the user's data folder, or a Kubo node's RPC
// API with --ipfs-api. Content fetched by CID is recomputed before it is used, whichever node
// served it, and IPFS failures become CLI errors that say what to do.

import { join } from 'node:path';
import type { CID } from 'multiformats/cid';
import { defaultDataDir } from '../../server/data-dir.js';
import { KuboIpfs } from '../../server/ipfs/kubo.js';
import { assertCid, EmbeddedIpfs, IpfsError, parseCid, type IpfsNode } from '../../server/ipfs/unixfs.js';
import { MAX_PACKAGE_BYTES } from '../../server/plugins/package-store.js';
import { CliError } from './errors.js';

/**
 * The embedded node's blockstore: `<data folder>/ipfs`, i.e. `$ATOMIC_PLUGIN_DATA_DIR/ipfs`, else
 * `$XDG_DATA_HOME/atomic-plugin/ipfs`, else `~/.local/share/atomic-plugin/ipfs`. A server run with
 * the same data folder keeps its packages in the same blockstore, which is harmless: blocks are
 * immutable and named by their hash.
 */
export function userIpfsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultDataDir(env), 'ipfs');
}

/** Opens the Kubo node at `apiUrl`, else the embedded node. */
export async function openIpfs(apiUrl?: string): Promise<IpfsNode> {
  if (apiUrl !== undefined) {
    if (!/^https?:\/\//i.test(apiUrl)) throw new CliError('INVALID_INPUT', `--ipfs-api ${apiUrl} is not an http(s) URL`, ['e.g. http://127.0.0.1:5001, the API address of a Kubo node']);
    return new KuboIpfs(apiUrl);
  }
  const dir = userIpfsDir();
  try {
    return await EmbeddedIpfs.open(dir);
  } catch (error) {
    throw new CliError('IPFS_FAILED', `Cannot open the IPFS blockstore in ${dir}: ${(error as Error).message}`, ['check that the folder is writable, or use a Kubo node with --ipfs-api']);
  }
}

/** Adds a package to the IPFS node; resolves to its CID and where it was added. */
export async function addToIpfs(bytes: Uint8Array, apiUrl?: string): Promise<{ cid: string; location: string }> {
  const node = await openIpfs(apiUrl);
  try {
    const cid = await node.add(bytes);
    return { cid: cid.toString(), location: node.location };
  } catch (error) {
    throw ipfsCliError(error);
  } finally {
    await node.close();
  }
}

/** A CID from `ipfs://<cid>` (or a bare one); INVALID_INPUT otherwise. */
export function cidFromSource(source: string): CID {
  try {
    return parseCid(source);
  } catch (error) {
    throw new CliError('INVALID_INPUT', (error as Error).message, ['give it as ipfs://<cid>, the CID `atomic-plugin publish --ipfs` printed']);
  }
}

/** The bytes of `cid` from the IPFS node, checked against the CID before anything else sees them. */
export async function getFromIpfs(cid: CID, apiUrl?: string): Promise<Uint8Array> {
  const node = await openIpfs(apiUrl);
  try {
    const bytes = await node.get(cid, { maxBytes: MAX_PACKAGE_BYTES });
    await assertCid(bytes, cid);
    return bytes;
  } catch (error) {
    throw ipfsCliError(error, node.location);
  } finally {
    await node.close();
  }
}

function ipfsCliError(error: unknown, location?: string): unknown {
  if (!(error instanceof IpfsError)) return error;
  switch (error.code) {
    case 'CID_NOT_FOUND':
      return new CliError('CID_NOT_FOUND', `No content for the CID: ${error.message}`, [
        'publish the package there first with `atomic-plugin publish --ipfs`',
        ...(location && !/^https?:/.test(location) ? ['or get it from a Kubo node that has it with --ipfs-api <url>'] : []),
      ]);
    case 'CID_MISMATCH':
      return new CliError('CID_CONTENT_MISMATCH', `The IPFS node returned other content than the CID names: ${error.message}`, [
        'nothing was uploaded; the node\'s copy is damaged or the node misbehaves: add the package again',
      ]);
    case 'TOO_LARGE':
      return new CliError('INVALID_PACKAGE', `The content is too large for a plugin package: ${error.message}`);
    case 'INVALID_CID':
      return new CliError('INVALID_INPUT', error.message);
    default:
      return new CliError('IPFS_FAILED', error.message, ['check that the Kubo node is running and that --ipfs-api names its RPC API (port 5001 by default)']);
  }
}
