// The IPFS node the plugin keeps content in: the embedded one, with its blocks in the plugin's
// data folder, or a Kubo node when the config names its RPC API (`kuboApi`).

import { join } from 'node:path';
import { EmbeddedIpfs, KuboIpfs, type IpfsNode } from 'atomic-plugin/ipfs';

/** The plugin's config. */
export interface IpfsConfig {
  kuboApi?: string;
}

/** Opens the node `config` asks for. */
export async function openNode(config: IpfsConfig, dataDir: string): Promise<IpfsNode> {
  return config.kuboApi ? new KuboIpfs(config.kuboApi) : EmbeddedIpfs.open(join(dataDir, 'blocks'));
}
