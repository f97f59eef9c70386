// Unit tests for plugin packages: build, read, digest, sign, verify, tampering, and hostile zips.
import { createHash } from 'node:crypto';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { createAgentIdentity } from '../atomic/agent.js';
import { signMessage } from '../atomic/ed25519.js';
import {
  PackageError,
  buildPackage,
  packageDigest,
  packageLimits,
  readPackage,
  signPackage,
  verifyPackage,
  type PackageErrorCode,
  type PackageSignature,
} from './package.js';

const SERVER = 'http://localhost:9883';
const publisher = createAgentIdentity(SERVER);
const stranger = createAgentIdentity(SERVER);

// The smallest valid WebAssembly module: magic and version.
const WASM = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

const manifest = {
  name: 'demo',
  namespace: 'acme',
  version: '1.0.0',
  description: 'A demo plugin',
  hooks: { endpoints: [{ path: 'hello', methods: ['GET'] }] },
};

function json(value: unknown): Uint8Array {
  return strToU8(JSON.stringify(value));
}

function files(extra: Record<string, Uint8Array> = {}): Record<string, Uint8Array> {
  return {
    'plugin.json': json(manifest),
    'plugin.wasm': WASM,
    'assets/readme.txt': strToU8('hello'),
    'ui.js': strToU8('export default {};'),
    ...extra,
  };
}

function signed(): Uint8Array {
  return signPackage(buildPackage(files()), publisher);
}

// Unzips, edits the file map, zips again (without buildPackage's checks).
function rezip(zip: Uint8Array, edit: (files: Record<string, Uint8Array>) => void): Uint8Array {
  const unpacked = unzipSync(zip);
  edit(unpacked);
  return zipSync(unpacked);
}

function codeOf(action: () => unknown): PackageErrorCode {
  try {
    action();
  } catch (error) {
    if (error instanceof PackageError) return error.code;
    throw error;
  }
  throw new Error('expected a PackageError');
}

// The offset of a file's central directory header.
function centralEntry(zip: Uint8Array, name: string): number {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const wanted = Buffer.from(name, 'utf8');
  for (let at = 0; at + 46 <= zip.length; at++) {
    if (view.getUint32(at, true) !== 0x02014b50) continue;
    const length = view.getUint16(at + 28, true);
    if (length === wanted.length && Buffer.from(zip.subarray(at + 46, at + 46 + length)).equals(wanted)) return at;
  }
  throw new Error(`no central directory entry for ${name}`);
}

function sha256hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('build, sign, read, verify', () => {
  it('round-trips a signed package', () => {
    const pkg = readPackage(signed());
    expect(pkg.manifest.name).toBe('demo');
    expect(Object.keys(pkg.files).sort()).toEqual(['assets/readme.txt', 'plugin.json', 'plugin.wasm', 'ui.js']);
    expect(pkg.files['plugin.wasm']).toEqual(WASM);
    expect(pkg.signature).toMatchObject({ digest: pkg.digest, signer: publisher.subject, publicKey: publisher.publicKey });
    expect(pkg.signature?.signedAt).toBeGreaterThan(Date.now() - 60_000);
    expect(verifyPackage(pkg, { requireSignature: true })).toEqual({ digest: pkg.digest, signer: publisher.subject, publicKey: publisher.publicKey });
  });

  it('trusts a publisher by subject and by public key', () => {
    const pkg = readPackage(signed());
    expect(verifyPackage(pkg, { requireSignature: true, trustedPublishers: [publisher.subject] }).signer).toBe(publisher.subject);
    expect(verifyPackage(pkg, { requireSignature: false, trustedPublishers: [stranger.subject, publisher.publicKey] }).signer).toBe(publisher.subject);
  });

  it('refuses an untrusted publisher', () => {
    const pkg = readPackage(signed());
    expect(codeOf(() => verifyPackage(pkg, { requireSignature: true, trustedPublishers: [stranger.subject, stranger.publicKey] }))).toBe('UNTRUSTED_PUBLISHER');
  });

  it('accepts an unsigned package only when no signature is required', () => {
    const pkg = readPackage(buildPackage(files()));
    expect(pkg.signature).toBeUndefined();
    expect(verifyPackage(pkg, { requireSignature: false })).toEqual({ digest: pkg.digest });
    expect(codeOf(() => verifyPackage(pkg, { requireSignature: true }))).toBe('UNSIGNED');
    // A list of trusted publishers cannot be satisfied without a signature.
    expect(codeOf(() => verifyPackage(pkg, { requireSignature: false, trustedPublishers: [publisher.subject] }))).toBe('UNSIGNED');
  });

  it('builds the same bytes from the same files, in any order', () => {
    const a = buildPackage(files());
    const b = buildPackage(Object.fromEntries(Object.entries(files()).reverse()));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('digests the files, not the zip', () => {
    const built = readPackage(buildPackage(files()));
    const stored = readPackage(zipSync(files(), { level: 0, mtime: new Date(2020, 5, 1) }));
    expect(stored.digest).toBe(built.digest);
    expect(packageDigest(files())).toBe(built.digest);
  });

  it('computes the digest as documented', () => {
    const two = { 'b.txt': strToU8('B'), 'a.txt': strToU8('A'), 'signature.json': strToU8('{}') };
    const listing = `a.txt\n${sha256hex('A')}\nb.txt\n${sha256hex('B')}\n`;
    expect(packageDigest(two)).toBe(`sha256:${sha256hex(listing)}`);
  });

  it('re-signing replaces the signature', () => {
    const zip = signPackage(signed(), stranger);
    const pkg = readPackage(zip);
    expect(pkg.signature?.signer).toBe(stranger.subject);
    expect(verifyPackage(pkg, { requireSignature: true, trustedPublishers: [stranger.publicKey] }).signer).toBe(stranger.subject);
  });

  it('refuses to sign with a key that is not the agent', () => {
    const zip = buildPackage(files());
    expect(() => signPackage(zip, { ...publisher, publicKey: stranger.publicKey })).toThrow(TypeError);
    expect(() => signPackage(zip, { subject: stranger.subject, privateKey: publisher.privateKey })).toThrow(/not the subject of the agent/);
  });
});

describe('tampering after signing', () => {
  const tampered: Array<[string, (f: Record<string, Uint8Array>) => void]> = [
    ['plugin.json changed', (f) => void (f['plugin.json'] = json({ ...manifest, description: 'Evil' }))],
    ['plugin.wasm changed', (f) => void (f['plugin.wasm'] = new Uint8Array([...WASM, 0x00]))],
    ['a file added', (f) => void (f['assets/extra.js'] = strToU8('alert(1)'))],
    ['a file removed', (f) => void delete f['assets/readme.txt']],
    ['ui.js changed', (f) => void (f['ui.js'] = strToU8('steal()'))],
    ['a file renamed', (f) => {
      f['assets/README.md'] = f['assets/readme.txt'] as Uint8Array;
      delete f['assets/readme.txt'];
    }],
  ];

  it.each(tampered)('%s: DIGEST_MISMATCH', (_, edit) => {
    const pkg = readPackage(rezip(signed(), edit));
    expect(codeOf(() => verifyPackage(pkg, { requireSignature: true }))).toBe('DIGEST_MISMATCH');
  });

  it('files changed in the read package object: DIGEST_MISMATCH', () => {
    const pkg = readPackage(signed());
    pkg.files['plugin.wasm'] = new Uint8Array([...WASM, 0x01]);
    expect(codeOf(() => verifyPackage(pkg, { requireSignature: false }))).toBe('DIGEST_MISMATCH');
  });

  it("a signature swapped for another key's: BAD_SIGNATURE", () => {
    const zip = rezip(signed(), (f) => {
      const signature = JSON.parse(Buffer.from(f['signature.json'] as Uint8Array).toString('utf8')) as PackageSignature;
      signature.signature = signMessage(signature.digest, stranger.privateKey);
      f['signature.json'] = json(signature);
    });
    expect(codeOf(() => verifyPackage(readPackage(zip), { requireSignature: true }))).toBe('BAD_SIGNATURE');
  });

  it("a stranger's key under the trusted publisher's name: BAD_SIGNATURE", () => {
    const zip = rezip(signed(), (f) => {
      const signature = JSON.parse(Buffer.from(f['signature.json'] as Uint8Array).toString('utf8')) as PackageSignature;
      f['signature.json'] = json({ ...signature, publicKey: stranger.publicKey, signature: signMessage(signature.digest, stranger.privateKey) });
    });
    expect(codeOf(() => verifyPackage(readPackage(zip), { requireSignature: true, trustedPublishers: [publisher.subject] }))).toBe('BAD_SIGNATURE');
  });

  it('a whole signature.json of another agent: valid, but not trusted', () => {
    const zip = rezip(signed(), (f) => {
      const signature = JSON.parse(Buffer.from(f['signature.json'] as Uint8Array).toString('utf8')) as PackageSignature;
      f['signature.json'] = json({ ...signature, signer: stranger.subject, publicKey: stranger.publicKey, signature: signMessage(signature.digest, stranger.privateKey) });
    });
    const pkg = readPackage(zip);
    expect(verifyPackage(pkg, { requireSignature: true }).signer).toBe(stranger.subject);
    expect(codeOf(() => verifyPackage(pkg, { requireSignature: true, trustedPublishers: [publisher.subject] }))).toBe('UNTRUSTED_PUBLISHER');
  });

  it('a signature.json that is not one: BAD_SIGNATURE on read', () => {
    for (const bad of [strToU8('not json'), json([]), json({ digest: 'md5:abc', signer: 'x' })]) {
      expect(codeOf(() => readPackage(rezip(signed(), (f) => void (f['signature.json'] = bad))))).toBe('BAD_SIGNATURE');
    }
  });
});

describe('hostile and broken zips', () => {
  it('a zip bomb (100 MiB of zeros) is refused from its declared size', () => {
    const bomb = zipSync({ ...files(), 'assets/zeros.bin': new Uint8Array(100 * 1024 * 1024) }, { level: 9 });
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expect(codeOf(() => readPackage(bomb))).toBe('TOO_LARGE');
  });

  it('a declared size larger than the content is refused before inflating', () => {
    const zip = zipSync(files());
    new DataView(zip.buffer).setUint32(centralEntry(zip, 'assets/readme.txt') + 24, 0x7fffffff, true);
    expect(codeOf(() => readPackage(zip))).toBe('TOO_LARGE');
  });

  it('a declared size smaller than the content (truncation) is refused', () => {
    const zip = zipSync({ ...files(), 'assets/big.txt': strToU8('x'.repeat(10_000)) });
    new DataView(zip.buffer).setUint32(centralEntry(zip, 'assets/big.txt') + 24, 10, true);
    expect(codeOf(() => readPackage(zip))).toBe('CORRUPT_PACKAGE');
  });

  it('content that does not match its checksum is refused', () => {
    const zip = zipSync(files(), { level: 0 });
    const at = Buffer.from(zip).indexOf('hello');
    zip[at] = 'j'.charCodeAt(0);
    expect(codeOf(() => readPackage(zip))).toBe('CORRUPT_PACKAGE');
  });

  it('encrypted entries are refused', () => {
    const zip = zipSync(files());
    const flags = centralEntry(zip, 'assets/readme.txt') + 8;
    zip[flags] = (zip[flags] as number) | 1;
    expect(codeOf(() => readPackage(zip))).toBe('CORRUPT_PACKAGE');
  });

  it('too many files', () => {
    const many: Record<string, Uint8Array> = files();
    for (let i = 0; i < packageLimits.maxFiles; i++) many[`assets/${i}.txt`] = new Uint8Array(1);
    expect(codeOf(() => readPackage(zipSync(many)))).toBe('TOO_MANY_FILES');
    expect(codeOf(() => buildPackage(many))).toBe('TOO_MANY_FILES');
  });

  const traversal = ['../evil.txt', 'assets/../../evil.txt', '/etc/passwd', 'assets\\..\\evil.txt', 'C:/evil.txt', 'assets//x.txt', 'assets/./x.txt', 'assets/\u0000.txt'];
  it.each(traversal)('path traversal: %j', (name) => {
    expect(codeOf(() => readPackage(zipSync({ ...files(), [name]: strToU8('x') })))).toBe('UNSAFE_PATH');
    expect(codeOf(() => buildPackage({ ...files(), [name]: strToU8('x') }))).toBe('UNSAFE_PATH');
  });

  it('a directory entry climbing out is refused, a plain one is fine', () => {
    expect(codeOf(() => readPackage(zipSync({ ...files(), '../': new Uint8Array(0) })))).toBe('UNSAFE_PATH');
    const pkg = readPackage(zipSync({ 'assets/': new Uint8Array(0), ...files() }));
    expect(Object.keys(pkg.files)).not.toContain('assets/');
  });

  it('paths that differ only in case', () => {
    expect(codeOf(() => readPackage(zipSync({ ...files(), 'assets/README.txt': strToU8('x') })))).toBe('DUPLICATE_PATH');
    expect(codeOf(() => buildPackage({ ...files(), 'assets/README.txt': strToU8('x') }))).toBe('DUPLICATE_PATH');
  });

  it('two entries with the same name', () => {
    const zip = zipSync({ ...files(), 'assets/a.txt': strToU8('one'), 'assets/b.txt': strToU8('two') });
    const bytes = Buffer.from(zip);
    for (let at = bytes.indexOf('assets/b.txt'); at >= 0; at = bytes.indexOf('assets/b.txt')) bytes.write('assets/a.txt', at, 'utf8');
    expect(codeOf(() => readPackage(new Uint8Array(bytes)))).toBe('DUPLICATE_PATH');
  });

  it('a path that is both a file and a directory', () => {
    const process = { ...manifest, runtime: 'process', entry: 'main.js' };
    const zip = zipSync({ 'plugin.json': json(process), 'main.js': strToU8(''), lib: strToU8('x'), 'lib/util.js': strToU8('y') });
    expect(codeOf(() => readPackage(zip))).toBe('DUPLICATE_PATH');
  });

  it.each([
    ['random bytes', new Uint8Array(1000).map((_, i) => (i * 7919) % 251)],
    ['nothing', new Uint8Array(0)],
    ['a PNG header', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Uint8Array(40)])],
    ['JSON', strToU8(JSON.stringify(manifest))],
    ['half a zip', zipSync(files()).slice(0, 100)],
  ])('not a zip: %s', (_, bytes) => {
    expect(codeOf(() => readPackage(bytes))).toBe('NOT_A_ZIP');
  });

  it('an empty zip has no plugin.json', () => {
    expect(codeOf(() => readPackage(zipSync({})))).toBe('MISSING_MANIFEST');
  });
});

describe('package content', () => {
  it('needs plugin.json', () => {
    const { 'plugin.json': _, ...rest } = files();
    expect(codeOf(() => readPackage(zipSync(rest)))).toBe('MISSING_MANIFEST');
    expect(codeOf(() => buildPackage(rest))).toBe('MISSING_MANIFEST');
  });

  it('reports the manifest problems', () => {
    const zip = zipSync(files({ 'plugin.json': json({ ...manifest, version: 'one' }) }));
    try {
      readPackage(zip);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PackageError);
      expect((error as PackageError).code).toBe('INVALID_MANIFEST');
      expect((error as PackageError).problems[0]).toMatch(/^\/version: must be a semantic version/);
      expect((error as PackageError).message).toContain('/version');
    }
    expect(codeOf(() => readPackage(zipSync(files({ 'plugin.json': strToU8('{"name":') }))))).toBe('INVALID_MANIFEST');
    expect(codeOf(() => readPackage(zipSync(files({ 'plugin.json': new Uint8Array([0xff, 0xfe]) }))))).toBe('INVALID_MANIFEST');
  });

  it('needs the entry file, and a wasm entry must be WebAssembly', () => {
    const { 'plugin.wasm': _, ...rest } = files();
    expect(codeOf(() => readPackage(zipSync(rest)))).toBe('MISSING_ENTRY');
    expect(codeOf(() => readPackage(zipSync(files({ 'plugin.wasm': strToU8('not wasm') }))))).toBe('INVALID_ENTRY');
    const custom = files({ 'plugin.json': json({ ...manifest, entry: 'build/demo.wasm' }) });
    expect(codeOf(() => buildPackage(custom))).toBe('MISSING_ENTRY');
    delete custom['plugin.wasm'];
    expect(readPackage(buildPackage({ ...custom, 'build/demo.wasm': WASM })).manifest.entry).toBe('build/demo.wasm');
  });

  it('refuses files outside the layout, except for process plugins', () => {
    expect(codeOf(() => readPackage(zipSync(files({ 'README.md': strToU8('#') }))))).toBe('UNEXPECTED_FILE');
    expect(codeOf(() => buildPackage(files({ 'src/index.ts': strToU8('') })))).toBe('UNEXPECTED_FILE');
    const process = { ...manifest, runtime: 'process', entry: 'bin/main.mjs' };
    const pkg = readPackage(buildPackage({ 'plugin.json': json(process), 'bin/main.mjs': strToU8(''), 'lib/util.mjs': strToU8(''), 'README.md': strToU8('#') }));
    expect(pkg.manifest.runtime).toBe('process');
    expect(Object.keys(pkg.files)).toContain('lib/util.mjs');
  });

  it('needs every file the manifest lists in files', () => {
    const process = { ...manifest, runtime: 'process', entry: 'plugin.mjs', files: { 'lib.wasm': 'somelib/lib.wasm' } };
    const without = { 'plugin.json': json(process), 'plugin.mjs': strToU8('') };
    expect(codeOf(() => buildPackage(without))).toBe('MISSING_ENTRY');
    expect(codeOf(() => readPackage(zipSync(without)))).toBe('MISSING_ENTRY');
    expect(Object.keys(readPackage(buildPackage({ ...without, 'lib.wasm': WASM })).files)).toContain('lib.wasm');
  });

  it('a js plugin', () => {
    const js = { ...manifest, runtime: 'js' };
    const pkg = readPackage(buildPackage({ 'plugin.json': json(js), 'plugin.js': strToU8('export function handle_request() {}'), 'ui.css': strToU8('') }));
    expect(pkg.manifest.entry).toBe('plugin.js');
  });

  it('needs ui.js when the manifest declares views', () => {
    const viewing = { ...manifest, runtime: 'js', permissions: [{ name: 'custom-view', reason: 'Shows folders' }], views: { settings: true } };
    const without = { 'plugin.json': json(viewing), 'plugin.js': strToU8('') };
    expect(codeOf(() => buildPackage(without))).toBe('MISSING_ENTRY');
    expect(readPackage(buildPackage({ ...without, 'ui.js': strToU8('') })).manifest.views).toEqual({ settings: true });
  });

  it('buildPackage takes only bytes', () => {
    expect(() => buildPackage({ ...files(), 'assets/x.txt': 'text' as unknown as Uint8Array })).toThrow(TypeError);
  });
});
