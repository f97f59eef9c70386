// The JSON the plugin store's host routes answer (store-route.ts) and the dashboard reads: kept in
// one browser-safe module so both sides agree on it.

/** A permission a package asks for, with the reason its author gives. */
export interface AskedPermission {
  name: string;
  reason: string;
  /** Only for `network`: the hosts it may reach. */
  hosts?: string[];
}

/**
 * Who signed a package and what this host makes of it: `trusted` (signed by a publisher in the
 * host's trust list), `signed` (a valid signature by someone not in it), `unsigned`, or `invalid`
 * (the signature does not match the files). `accepted` says whether this host would load it.
 */
export interface SignatureVerdict {
  status: 'trusted' | 'signed' | 'unsigned' | 'invalid';
  accepted: boolean;
  signer?: string;
  publicKey?: string;
  /** For reference plugins: the key of this atomic-plugin build (`development`) or the maintainers' (`release`). */
  publisherKind?: 'release' | 'development';
  /** What to tell the user, as a sentence. */
  detail: string;
}

/** What a package holds, read by the host from its bytes. */
export interface PackageDescription {
  /** Where it is on this server (an uploaded package URL or ipfs://<cid>); absent until it is stored. */
  packageUrl?: string;
  digest: string;
  namespace: string;
  name: string;
  version: string;
  description?: string;
  author?: string;
  runtime: string;
  permissions: AskedPermission[];
  defaultConfig: Record<string, unknown>;
  configSchema?: Record<string, unknown>;
  signature: SignatureVerdict;
}

/** One version in the store: a registry release or a shipped reference package. */
export interface StoreVersion extends PackageDescription {
  /** The PluginRelease resource (registry only). */
  release?: string;
}

/** A plugin in the store, its versions newest first. */
export interface StoreEntry {
  /** `namespace/name`. */
  plugin: string;
  source: 'registry' | 'reference';
  /** The short name `POST /plugins/store/reference?name=` takes (reference only). */
  reference?: string;
  /** The PluginListing resource (registry only). */
  listing?: string;
  description?: string;
  author?: string;
  versions: StoreVersion[];
  /** Releases whose packages this host cannot read, explained. */
  problems: string[];
}

/** GET /plugins/store. */
export interface StoreCatalog {
  /** The server's URL, as subjects start. */
  serverUrl: string;
  trust: { requireSignature: boolean; trustedPublishers: string[] };
  plugins: StoreEntry[];
}

/** POST /plugins/store/reference?name=: the reference package, stored in the host's package store. */
export interface StagedPackage {
  '@id': string;
  sha256: string;
  size: number;
}
