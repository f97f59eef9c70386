// The IPFS code as the package exports it (`atomic-plugin/ipfs`), for plugins that keep content
// in IPFS with the same CIDs, import options and nodes as the host and the CLI's `publish`.

export { IpfsError, type IpfsErrorCode } from './errors.js';
export { KuboIpfs } from './kubo.js';
export { assertCid, computeCid, concat, EmbeddedIpfs, KUBO_CHUNK_SIZE, KUBO_MAX_CHILDREN, kuboImportOptions, parseCid, sameContent, type IpfsNode, type IpfsStat, type ReadOptions } from './unixfs.js';
