// atomic/ipfs: file storage in IPFS. A process plugin: it keeps content in an embedded node (blocks
// in its data folder) or a Kubo node, turns uploads into File resources with `ipfs://` links,
// serves content at /ipfs/{cid} to whoever may read a resource referring to it, pins for
// operators, resolves `ipfs://` links in served resources, and freezes resources' JSON-AD in IPFS
// so that a version can be verified later. See README.md.

import { definePlugin, pluginContext, type HttpRequestInput, type InitInput, type ResourceGetInput } from 'atomic-plugin/sdk/node';
import { resolveLinks } from './src/links.js';
import { openNode, type IpfsConfig } from './src/node.js';
import { ensureOntology, ipfsOntology } from './src/ontology.js';
import { handleRequest, type Services } from './src/routes.js';

let services: Services | undefined;
let openedWith: string | undefined;

/** The services for `config`: a config change reopens the node (embedded or another Kubo). */
async function start(config: IpfsConfig): Promise<Services> {
  const key = JSON.stringify(config);
  if (services && openedWith === key) return services;
  const context = pluginContext();
  if (!context?.serverUrl || !context.dataDir) throw new Error('the host gave no server URL or data folder in the handshake');
  await services?.node.close();
  const server = context.serverUrl.replace(/\/+$/, '');
  services = { server, node: await openNode(config, context.dataDir), ontology: ipfsOntology(server) };
  openedWith = key;
  return services;
}

function running(): Services {
  if (!services) throw new Error('the plugin was not initialised');
  return services;
}

definePlugin({
  exports: {
    init: async (input) => {
      const { config } = input as unknown as InitInput;
      const started = await start(config as IpfsConfig);
      await ensureOntology(started.server);
    },
    handle_request: (input) => handleRequest(running(), input as unknown as HttpRequestInput),
    on_resource_get: (input) => {
      const { server, ontology } = running();
      return resolveLinks(server, ontology, input as unknown as ResourceGetInput);
    },
  },
  onShutdown: async () => {
    await services?.node.close();
  },
});
