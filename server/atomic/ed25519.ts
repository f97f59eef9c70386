// Ed25519 keys and signatures in the encoding Atomic Data uses: base64 (with padding) of the
// 32-byte seed, the 32-byte public key and the 64-byte signature. Backed by Node's crypto.

import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A key pair, both halves base64-encoded. */
export interface KeyPair {
  publicKey: string;
  privateKey: string;
}

function decode32(base64: string, what: string): Buffer {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length !== 32 || bytes.toString('base64') !== base64) {
    throw new TypeError(`Invalid ${what}: expected base64 of 32 bytes`);
  }
  return bytes;
}

// Parsing a key costs more than signing or verifying with it, and the same few agents sign most
// messages, so parsed keys are kept (bounded, oldest dropped first).
const KEY_CACHE_SIZE = 4096;

function cached(cache: Map<string, KeyObject>, encoded: string, parse: () => KeyObject): KeyObject {
  let key = cache.get(encoded);
  if (key === undefined) {
    key = parse();
    if (cache.size >= KEY_CACHE_SIZE) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    cache.set(encoded, key);
  }
  return key;
}

const privateKeys = new Map<string, KeyObject>();
const publicKeys = new Map<string, KeyObject>();

function privateKeyObject(privateKey: string): KeyObject {
  return cached(privateKeys, privateKey, () => {
    const seed = decode32(privateKey, 'private key');
    return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  });
}

function publicKeyObject(publicKey: string): KeyObject {
  return cached(publicKeys, publicKey, () => {
    const raw = decode32(publicKey, 'public key');
    return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  });
}

/** Makes a new random key pair. */
export function generateKeyPair(): KeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  const seed = pkcs8.subarray(pkcs8.length - 32).toString('base64');
  return { privateKey: seed, publicKey: publicKeyFromPrivate(seed) };
}

/** Derives the base64 public key from a base64 private key (seed). */
export function publicKeyFromPrivate(privateKey: string): string {
  const spki = createPublicKey(privateKeyObject(privateKey)).export({ format: 'der', type: 'spki' });
  return spki.subarray(spki.length - 32).toString('base64');
}

/** Signs a UTF-8 message; returns the base64 signature. */
export function signMessage(message: string, privateKey: string): string {
  return sign(null, Buffer.from(message, 'utf8'), privateKeyObject(privateKey)).toString('base64');
}

function verifyInputs(signature: string, publicKey: string): { sig: Buffer; key: KeyObject } | undefined {
  const sig = Buffer.from(signature, 'base64');
  if (sig.length !== 64) return undefined;
  try {
    return { sig, key: publicKeyObject(publicKey) };
  } catch {
    return undefined;
  }
}

/** True when `signature` (base64) is a valid signature of `message` by `publicKey` (base64). */
export function verifyMessage(message: string, signature: string, publicKey: string): boolean {
  const inputs = verifyInputs(signature, publicKey);
  return inputs !== undefined && verify(null, Buffer.from(message, 'utf8'), inputs.key, inputs.sig);
}

/**
 * {@link verifyMessage} on libuv's thread pool: a server verifying many signatures keeps its
 * event loop free and uses every core.
 */
export function verifyMessageAsync(message: string, signature: string, publicKey: string): Promise<boolean> {
  const inputs = verifyInputs(signature, publicKey);
  if (!inputs) return Promise.resolve(false);
  return new Promise((resolve) => {
    verify(null, Buffer.from(message, 'utf8'), inputs.key, inputs.sig, (error, valid) => resolve(!error && valid));
  });
}
