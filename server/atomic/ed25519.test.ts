import { describe, expect, it } from 'vitest';
import { generateKeyPair, publicKeyFromPrivate, signMessage, verifyMessage } from './ed25519.js';

// The public test vector from @tomic/lib's own test suite.
const SEED = 'CapMWIhFUT+w7ANv9oCPqrHrwZpkP2JhzF9JnyT6WcI=';
const PUBLIC_KEY = '7LsjMW5gOfDdJzK/atgjQ1t20J/rw8MjVg6xwqm+h8U=';

function flipBit(base64: string, byte: number): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[byte] = bytes[byte]! ^ 0x01;
  return bytes.toString('base64');
}

describe('ed25519', () => {
  it('derives the public key of the public test vector', () => {
    expect(publicKeyFromPrivate(SEED)).toBe(PUBLIC_KEY);
  });

  it('makes key pairs of 32-byte base64 halves that belong together', () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    expect(Buffer.from(a.privateKey, 'base64')).toHaveLength(32);
    expect(Buffer.from(a.publicKey, 'base64')).toHaveLength(32);
    expect(publicKeyFromPrivate(a.privateKey)).toBe(a.publicKey);
    expect(a.privateKey).not.toBe(b.privateKey);
  });

  it('signs with padded base64 of 64 bytes, deterministically, and verifies', () => {
    const message = 'https://example.com/resource 1700000000000 — ünïcödé';
    const signature = signMessage(message, SEED);
    expect(Buffer.from(signature, 'base64')).toHaveLength(64);
    expect(signature).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    expect(signMessage(message, SEED)).toBe(signature);
    expect(verifyMessage(message, signature, PUBLIC_KEY)).toBe(true);
  });

  it('refuses a tampered message, a tampered signature and another key', () => {
    const message = 'hello world';
    const signature = signMessage(message, SEED);
    expect(verifyMessage('hello world!', signature, PUBLIC_KEY)).toBe(false);
    expect(verifyMessage('hello World', signature, PUBLIC_KEY)).toBe(false);
    expect(verifyMessage(message, flipBit(signature, 0), PUBLIC_KEY)).toBe(false);
    expect(verifyMessage(message, flipBit(signature, 63), PUBLIC_KEY)).toBe(false);
    expect(verifyMessage(message, signature, generateKeyPair().publicKey)).toBe(false);
    expect(verifyMessage(message, signMessage(message, generateKeyPair().privateKey), PUBLIC_KEY)).toBe(false);
  });

  it('answers false, without throwing, for malformed signatures and keys', () => {
    const message = 'hello';
    const signature = signMessage(message, SEED);
    expect(verifyMessage(message, '', PUBLIC_KEY)).toBe(false);
    expect(verifyMessage(message, signature.slice(0, 40), PUBLIC_KEY)).toBe(false);
    expect(verifyMessage(message, Buffer.alloc(65).toString('base64'), PUBLIC_KEY)).toBe(false);
    expect(verifyMessage(message, signature, 'not a key')).toBe(false);
    expect(verifyMessage(message, signature, Buffer.alloc(31).toString('base64'))).toBe(false);
  });

  it('rejects private keys that are not base64 of 32 bytes with a TypeError', () => {
    expect(() => signMessage('x', 'short')).toThrow(TypeError);
    expect(() => publicKeyFromPrivate(Buffer.alloc(64).toString('base64'))).toThrow(/private key/);
  });
});
