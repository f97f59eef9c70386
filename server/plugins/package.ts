// Plugin packages: a zip of plugin.json, the code, optional assets/, ui.js and ui.css, and a detached
// signature.json. Building (deterministic), reading untrusted zips within limits, the content digest,
// signing with an agent's key and verifying against a trust policy.

import { AtomicError } from '../atomic/errors.js';
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { strFromU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { publicKeyFromPrivate, signMessage, verifyMessage } from '../atomic/ed25519.js';
import { isHttpUrl } from '../atomic/json-ad.js';
import { ManifestError, parseManifest, type PluginManifest } from './manifest.js';

/** What a package may hold at most, checked before anything is inflated. */
export const packageLimits = {
  /** Entries in the zip, directories included. */
  maxFiles: 2_000,
  /** The sum of the files' unpacked sizes. */
  maxUnpackedBytes: 64 * 1024 * 1024,
  /** plugin.json alone. */
  maxManifestBytes: 1024 * 1024,
  /** One path, in characters. */
  maxPathLength: 1_024,
} as const;

/** The name of the file holding the detached signature; it is not part of the digest. */
export const SIGNATURE_FILE = 'signature.json';

/** The name of the manifest file. */
export const MANIFEST_FILE = 'plugin.json';

/** The codes a package can be refused with (catalogued in server/atomic/errors.ts). */
export type PackageErrorCode = 'NOT_A_ZIP' | 'CORRUPT_PACKAGE' | 'UNSAFE_PATH' | 'DUPLICATE_PATH' | 'TOO_MANY_FILES' | 'TOO_LARGE' | 'MISSING_MANIFEST' | 'INVALID_MANIFEST' | 'MISSING_ENTRY' | 'INVALID_ENTRY' | 'UNEXPECTED_FILE' | 'UNSIGNED' | 'DIGEST_MISMATCH' | 'BAD_SIGNATURE' | 'UNTRUSTED_PUBLISHER';

/** Why a package was refused. `problems` lists the manifest's problems for INVALID_MANIFEST. */
export class PackageError extends AtomicError {
  override readonly code: PackageErrorCode;
  readonly problems: string[];

  constructor(code: PackageErrorCode, detail?: string, options: { problems?: string[]; cause?: unknown } = {}) {
    super(code, detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PackageError';
    this.code = code;
    this.problems = options.problems ?? [];
  }
}

/** The content of signature.json. */
export interface PackageSignature {
  /** The signed digest, `sha256:<hex>` (see {@link packageDigest}). */
  digest: string;
  /** The signing agent's subject, `{server}/agents/{publicKey}`. */
  signer: string;
  /** The agent's Ed25519 public key, base64. */
  publicKey: string;
  /** Base64 Ed25519 signature over the UTF-8 bytes of `digest`. */
  signature: string;
  /** When it was signed, in ms since the epoch (informational: not covered by the signature). */
  signedAt: number;
}

/** A package that was read and checked by {@link readPackage}. */
export interface PluginPackage {
  manifest: PluginManifest;
  /** Every file but signature.json, by path (a null-prototype record). */
  files: Record<string, Uint8Array>;
  /** The content digest, `sha256:<hex>`. */
  digest: string;
  signature?: PackageSignature;
}

/** Which packages a host accepts. */
export interface TrustPolicy {
  /** Refuse unsigned packages. */
  requireSignature: boolean;
  /**
   * Accept only packages signed by these publishers: agent subjects or base64 public keys. A
   * non-empty list implies that a signature is required.
   */
  trustedPublishers?: string[];
}

/** What {@link verifyPackage} established. */
export interface VerifiedPackage {
  digest: string;
  /** The signing agent, when signed; its subject is checked to belong to `publicKey`. */
  signer?: string;
  publicKey?: string;
}

/** The agent that signs a package; `publicKey` is derived from `privateKey` when left out. */
export interface PackageSigner {
  subject: string;
  publicKey?: string;
  privateKey: string;
}

// Fixed local-time fields, so that a build gives the same bytes in every time zone (fflate writes
// the DOS timestamp from local time).
const FIXED_MTIME = new Date(1980, 0, 1, 12, 0, 0);
const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Zips files into a package, deterministically: entries sorted, fixed timestamps, so the same files
 * always give the same bytes. The files are checked first exactly as {@link readPackage} checks
 * them (paths, limits, manifest, entry file, layout), so a package that builds also reads.
 *
 * @example
 * const zip = buildPackage({ 'plugin.json': manifestBytes, 'plugin.wasm': wasmBytes });
 */
export function buildPackage(files: Record<string, Uint8Array>): Uint8Array {
  const record = nullRecord();
  let total = 0;
  for (const [path, content] of Object.entries(files)) {
    if (!(content instanceof Uint8Array)) throw new TypeError(`Invalid package file ${path}: expected a Uint8Array`);
    record[path] = content;
    total += content.length;
  }
  const paths = sortedPaths(Object.keys(record));
  if (paths.length > packageLimits.maxFiles) throw tooManyFiles(paths.length);
  if (total > packageLimits.maxUnpackedBytes) throw tooLarge(total);
  checkPaths(paths);
  checkContents(record);
  const zippable: Zippable = {};
  // Insertion order is entry order (apart from integer-like names, which JS objects order first:
  // still deterministic).
  for (const path of paths) zippable[path] = record[path] as Uint8Array;
  return zipSync(zippable, { level: 6, mtime: FIXED_MTIME });
}

/**
 * Reads an untrusted package zip and checks it: a zip at all, at most {@link packageLimits} (from
 * the declared sizes, before inflating anything), safe and unique paths, sizes and checksums as
 * declared, a valid plugin.json, the entry file present, nothing outside the layout (`plugin.json`,
 * the entry, `assets/**`, `ui.js`, `ui.css`, `signature.json`; a `process` plugin may ship any
 * files), and a well-formed signature.json if there is one. Does not verify the signature: see
 * {@link verifyPackage}. Throws a {@link PackageError}.
 */
export function readPackage(zip: Uint8Array): PluginPackage {
  const entries = readCentralDirectory(zip);
  checkEntries(entries);
  let index = 0;
  let unpacked: Record<string, Uint8Array>;
  try {
    unpacked = unzipSync(zip, {
      filter(file) {
        // fflate walks the same central directory; refuse if it sees anything else than we checked.
        const entry = entries[index++];
        if (
          !entry ||
          entry.name !== file.name ||
          entry.compressedSize !== file.size ||
          entry.originalSize !== file.originalSize ||
          entry.compression !== file.compression
        ) {
          throw new PackageError('CORRUPT_PACKAGE', `the zip's entry ${index - 1} cannot be read consistently`);
        }
        return !entry.directory;
      },
    });
  } catch (error) {
    if (error instanceof PackageError) throw error;
    throw new PackageError('NOT_A_ZIP', error instanceof Error ? error.message : String(error), { cause: error });
  }
  const files = nullRecord();
  for (const entry of entries) {
    if (entry.directory) continue;
    const content = Object.hasOwn(unpacked, entry.name) ? unpacked[entry.name] : undefined;
    if (!content || content.length !== entry.originalSize) {
      throw new PackageError('CORRUPT_PACKAGE', `${entry.name} does not unpack to its declared size of ${entry.originalSize} bytes`);
    }
    if (crc32(content) >>> 0 !== entry.crc) throw new PackageError('CORRUPT_PACKAGE', `${entry.name} does not match its checksum`);
    files[entry.name] = content;
  }
  const { manifest, signature } = checkContents(files);
  delete files[SIGNATURE_FILE];
  return { manifest, files, digest: packageDigest(files), ...(signature ? { signature } : {}) };
}

/**
 * The content digest of a package's files: for each file but signature.json, sorted by the UTF-8
 * bytes of its path, the line `${path}\n${sha256hex(content)}\n`; the SHA-256 of all those lines,
 * as `sha256:<hex>`. Independent of zip metadata and compression.
 */
export function packageDigest(files: Record<string, Uint8Array>): string {
  const listing = createHash('sha256');
  for (const path of sortedPaths(Object.keys(files))) {
    if (path === SIGNATURE_FILE) continue;
    const content = files[path] as Uint8Array;
    listing.update(`${path}\n${createHash('sha256').update(content).digest('hex')}\n`, 'utf8');
  }
  return `sha256:${listing.digest('hex')}`;
}

/**
 * Signs a package with an agent's key: reads and checks it, then returns it rebuilt with a new
 * signature.json (replacing any old one). The agent's subject must be that of its key,
 * `{server}/agents/{publicKey}`, so that verifiers can trust a subject without looking it up.
 */
export function signPackage(zip: Uint8Array, agent: PackageSigner): Uint8Array {
  const pkg = readPackage(zip);
  const publicKey = publicKeyFromPrivate(agent.privateKey);
  if (agent.publicKey !== undefined && agent.publicKey !== publicKey) {
    throw new TypeError('Cannot sign the package: the public key does not belong to the private key');
  }
  if (!subjectHasKey(agent.subject, publicKey)) {
    throw new TypeError(`Cannot sign the package: ${agent.subject} is not the subject of the agent with this key (it should end in /agents/${publicKey})`);
  }
  const signature: PackageSignature = {
    digest: pkg.digest,
    signer: agent.subject,
    publicKey,
    signature: signMessage(pkg.digest, agent.privateKey),
    signedAt: Date.now(),
  };
  return buildPackage({ ...pkg.files, [SIGNATURE_FILE]: new TextEncoder().encode(`${JSON.stringify(signature, null, 2)}\n`) });
}

/**
 * Checks a read package against a trust policy: the digest recomputed from the files must be the
 * signed one (DIGEST_MISMATCH otherwise: the content changed after signing), the signature must be
 * the signer's (BAD_SIGNATURE), unsigned packages pass only when no signature is required
 * (UNSIGNED), and with `trustedPublishers` the signer's subject or key must be listed
 * (UNTRUSTED_PUBLISHER). Throws a {@link PackageError}.
 */
export function verifyPackage(pkg: PluginPackage, policy: TrustPolicy): VerifiedPackage {
  const digest = packageDigest(pkg.files);
  const trusted = policy.trustedPublishers ?? [];
  const { signature } = pkg;
  if (!signature) {
    if (policy.requireSignature || trusted.length > 0) throw new PackageError('UNSIGNED', `${digest} has no ${SIGNATURE_FILE}`);
    return { digest };
  }
  if (signature.digest !== digest) {
    throw new PackageError('DIGEST_MISMATCH', `${SIGNATURE_FILE} signs ${signature.digest}, but the files digest to ${digest}`);
  }
  if (!subjectHasKey(signature.signer, signature.publicKey)) {
    throw new PackageError('BAD_SIGNATURE', `the signer ${signature.signer} is not the agent of public key ${signature.publicKey}`);
  }
  if (!verifyMessage(signature.digest, signature.signature, signature.publicKey)) {
    throw new PackageError('BAD_SIGNATURE', `the signature over ${digest} was not made with the key of ${signature.signer}`);
  }
  if (trusted.length > 0 && !trusted.includes(signature.signer) && !trusted.includes(signature.publicKey)) {
    throw new PackageError('UNTRUSTED_PUBLISHER', `${signature.signer} (key ${signature.publicKey}) is not among the trusted publishers`);
  }
  return { digest, signer: signature.signer, publicKey: signature.publicKey };
}

// An agent's subject is `{server}/agents/{publicKey}` (the key raw, or percent-encoded).
function subjectHasKey(subject: string, publicKey: string): boolean {
  return isHttpUrl(subject) && (subject.endsWith(`/agents/${publicKey}`) || subject.endsWith(`/agents/${encodeURIComponent(publicKey)}`));
}

function nullRecord(): Record<string, Uint8Array> {
  return Object.create(null) as Record<string, Uint8Array>;
}

function sortedPaths(paths: string[]): string[] {
  return paths.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

function tooManyFiles(count: number): PackageError {
  return new PackageError('TOO_MANY_FILES', `${count} entries, at most ${packageLimits.maxFiles} are allowed`);
}

function tooLarge(bytes: number): PackageError {
  return new PackageError('TOO_LARGE', `${bytes} bytes unpacked, at most ${packageLimits.maxUnpackedBytes} are allowed`);
}

// Why a file path is unsafe to unpack or serve, or undefined when it is fine.
function unsafePathReason(path: string): string | undefined {
  if (path.length === 0) return 'the path is empty';
  if (path.length > packageLimits.maxPathLength) return `the path is longer than ${packageLimits.maxPathLength} characters`;
  if (path.includes('\\')) return 'it contains a backslash';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'it is absolute';
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'it contains a control character';
  if (path === '__proto__') return 'the name is reserved';
  for (const segment of path.split('/')) {
    if (segment === '..') return 'it climbs out of the package with ".."';
    if (segment === '.') return 'it contains a "." segment';
    if (segment === '') return 'it contains an empty segment (a leading, doubled or trailing "/")';
  }
  return undefined;
}

function checkPaths(paths: readonly string[]): void {
  const seen = new Map<string, string>();
  for (const path of paths) {
    const reason = unsafePathReason(path);
    if (reason) throw new PackageError('UNSAFE_PATH', `${JSON.stringify(path)}: ${reason}`);
    // Case-insensitive, because the package may be unpacked on a case-insensitive file system.
    const key = path.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) throw new PackageError('DUPLICATE_PATH', first === path ? path : `${first} and ${path}`);
    seen.set(key, path);
  }
  // A file cannot also be a directory holding other files ("assets" and "assets/logo.svg").
  for (const path of paths) {
    const segments = path.split('/');
    for (let i = 1; i < segments.length; i++) {
      const file = seen.get(segments.slice(0, i).join('/').toLowerCase());
      if (file !== undefined) throw new PackageError('DUPLICATE_PATH', `${file} is both a file and a directory (of ${path})`);
    }
  }
}

// The package's content rules, shared by build and read.
function checkContents(files: Record<string, Uint8Array>): { manifest: PluginManifest; signature?: PackageSignature } {
  const manifestBytes = files[MANIFEST_FILE];
  if (!manifestBytes) throw new PackageError('MISSING_MANIFEST', `put ${MANIFEST_FILE} at the root of the zip`);
  if (manifestBytes.length > packageLimits.maxManifestBytes) {
    throw new PackageError('INVALID_MANIFEST', `${MANIFEST_FILE} is ${manifestBytes.length} bytes, at most ${packageLimits.maxManifestBytes} are allowed`);
  }
  const manifest = parseManifestFile(manifestBytes);
  const entry = files[manifest.entry];
  if (!entry) throw new PackageError('MISSING_ENTRY', `${manifest.entry} (the ${manifest.runtime} runtime's entry) is not in the package`);
  if (manifest.runtime === 'wasm' && !WASM_MAGIC.every((byte, i) => entry[i] === byte)) {
    throw new PackageError('INVALID_ENTRY', `${manifest.entry} is not a WebAssembly module (it lacks the \\0asm header)`);
  }
  if (manifest.runtime !== 'process') {
    const allowed = new Set([MANIFEST_FILE, SIGNATURE_FILE, 'ui.js', 'ui.css', manifest.entry]);
    const unexpected = Object.keys(files).filter((path) => !allowed.has(path) && !path.startsWith('assets/'));
    if (unexpected.length > 0) {
      const listed = unexpected.slice(0, 5).join(', ') + (unexpected.length > 5 ? ` and ${unexpected.length - 5} more` : '');
      throw new PackageError('UNEXPECTED_FILE', `${listed}; a package holds ${MANIFEST_FILE}, ${manifest.entry}, ui.js, ui.css, ${SIGNATURE_FILE} and anything under assets/`);
    }
  }
  if (manifest.views && !files['ui.js']) throw new PackageError('MISSING_ENTRY', 'ui.js (the views the manifest declares) is not in the package');
  const missing = Object.keys(manifest.files).filter((path) => !files[path]);
  if (missing.length > 0) throw new PackageError('MISSING_ENTRY', `${missing.join(', ')} (listed in the manifest's files) ${missing.length === 1 ? 'is' : 'are'} not in the package`);
  const signatureBytes = files[SIGNATURE_FILE];
  return signatureBytes ? { manifest, signature: parseSignature(signatureBytes) } : { manifest };
}

function parseManifestFile(bytes: Uint8Array): PluginManifest {
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(bytes));
  } catch (error) {
    const detail = `/: ${MANIFEST_FILE} is not valid UTF-8 JSON: ${error instanceof Error ? error.message : String(error)}`;
    throw new PackageError('INVALID_MANIFEST', detail, { problems: [detail], cause: error });
  }
  try {
    return parseManifest(json);
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    throw new PackageError('INVALID_MANIFEST', error.problems.join('; '), { problems: error.problems, cause: error });
  }
}

function parseSignature(bytes: Uint8Array): PackageSignature {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch {
    throw new PackageError('BAD_SIGNATURE', `${SIGNATURE_FILE} is not valid UTF-8 JSON`);
  }
  const record = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const { digest, signer, publicKey, signature, signedAt } = record;
  const wrong: string[] = [];
  if (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest)) wrong.push('"digest" must be "sha256:" and 64 lowercase hex digits');
  if (typeof signer !== 'string' || signer === '') wrong.push('"signer" must be the agent subject');
  if (typeof publicKey !== 'string' || publicKey === '') wrong.push('"publicKey" must be a base64 key');
  if (typeof signature !== 'string' || signature === '') wrong.push('"signature" must be a base64 signature');
  if (typeof signedAt !== 'number' || !Number.isFinite(signedAt)) wrong.push('"signedAt" must be a timestamp in ms');
  if (wrong.length > 0) throw new PackageError('BAD_SIGNATURE', `${SIGNATURE_FILE}: ${wrong.join('; ')}`);
  return { digest, signer, publicKey, signature, signedAt } as PackageSignature;
}

interface ZipEntry {
  name: string;
  directory: boolean;
  flags: number;
  compression: number;
  compressedSize: number;
  originalSize: number;
  crc: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL_HEADER = 0x02014b50;

// Reads the zip's central directory the way fflate does (same fields, same name decoding), without
// inflating anything, so that every limit is checked on declared sizes first.
function readCentralDirectory(zip: Uint8Array): ZipEntry[] {
  const notAZip = (detail: string) => new PackageError('NOT_A_ZIP', detail);
  if (!(zip instanceof Uint8Array)) throw new TypeError('Invalid package: expected the zip as a Uint8Array');
  if (zip.length < 22) throw notAZip(`${zip.length} bytes is too short for a zip`);
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = zip.length - 22;
  while (view.getUint32(eocd, true) !== EOCD) {
    if (eocd === 0 || zip.length - eocd > 65_558) throw notAZip('no end-of-central-directory record');
    eocd--;
  }
  let count = view.getUint16(eocd + 8, true);
  let offset = view.getUint32(eocd + 16, true);
  const zip64 = eocd >= 20 && view.getUint32(eocd - 20, true) === ZIP64_LOCATOR;
  if (zip64) {
    const record = view.getUint32(eocd - 12, true);
    if (record + 56 > zip.length || view.getUint32(record, true) !== ZIP64_EOCD) throw notAZip('the zip64 directory record is damaged');
    count = view.getUint32(record + 32, true);
    offset = view.getUint32(record + 48, true);
  }
  if (count > packageLimits.maxFiles) throw tooManyFiles(count);
  const entries: ZipEntry[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > zip.length || view.getUint32(at, true) !== CENTRAL_HEADER) throw notAZip(`the central directory is damaged at entry ${i}`);
    const flags = view.getUint16(at + 8, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const end = at + 46 + nameLength + extraLength + view.getUint16(at + 32, true);
    if (end > zip.length) throw notAZip(`the central directory is damaged at entry ${i}`);
    const name = strFromU8(zip.subarray(at + 46, at + 46 + nameLength), !(flags & 0x800));
    let compressedSize = view.getUint32(at + 20, true);
    let originalSize = view.getUint32(at + 24, true);
    if (zip64 && (compressedSize === 0xffffffff || originalSize === 0xffffffff)) {
      // The zip64 extra field holds the sizes that did not fit: original first, then compressed.
      const extraEnd = at + 46 + nameLength + extraLength;
      for (let field = at + 46 + nameLength; field + 4 < extraEnd; field += 4 + view.getUint16(field + 2, true)) {
        if (view.getUint16(field, true) !== 1) continue;
        let value = field + 4;
        const read64 = () => {
          const n = value + 8 <= zip.length ? Number(view.getBigUint64(value, true)) : Number.POSITIVE_INFINITY;
          value += 8;
          return n;
        };
        if (originalSize === 0xffffffff) originalSize = read64();
        if (compressedSize === 0xffffffff) compressedSize = read64();
        break;
      }
    }
    entries.push({
      name,
      directory: name.endsWith('/'),
      flags,
      compression: view.getUint16(at + 10, true),
      compressedSize,
      originalSize,
      crc: view.getUint32(at + 16, true),
    });
    at = end;
  }
  return entries;
}

function checkEntries(entries: readonly ZipEntry[]): void {
  let total = 0;
  for (const entry of entries) {
    if (entry.flags & 0x1) throw new PackageError('CORRUPT_PACKAGE', `${entry.name} is encrypted`);
    if (entry.compression !== 0 && entry.compression !== 8) {
      throw new PackageError('CORRUPT_PACKAGE', `${entry.name} uses compression method ${entry.compression}; only stored (0) and deflate (8) are supported`);
    }
    if (entry.directory) {
      if (entry.originalSize !== 0) throw new PackageError('CORRUPT_PACKAGE', `the directory ${entry.name} has content`);
      const reason = unsafePathReason(entry.name.slice(0, -1));
      if (reason) throw new PackageError('UNSAFE_PATH', `${JSON.stringify(entry.name)}: ${reason}`);
      continue;
    }
    if (entry.compression === 0 && entry.compressedSize !== entry.originalSize) {
      throw new PackageError('CORRUPT_PACKAGE', `${entry.name} is stored with two different sizes`);
    }
    total += entry.originalSize;
    if (total > packageLimits.maxUnpackedBytes) {
      throw new PackageError(
        'TOO_LARGE',
        `the files declare more than ${packageLimits.maxUnpackedBytes} bytes unpacked (${entry.name} alone declares ${entry.originalSize})`,
      );
    }
  }
  const directories = new Set(entries.filter((e) => e.directory).map((e) => e.name.toLowerCase()));
  const paths = entries.filter((e) => !e.directory).map((e) => e.name);
  checkPaths(paths);
  // A file and a directory of the same name cannot both be unpacked.
  for (const path of paths) {
    if (directories.has(`${path.toLowerCase()}/`)) throw new PackageError('DUPLICATE_PATH', `${path} is both a file and a directory`);
  }
}
