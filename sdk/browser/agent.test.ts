// The browser's request and commit signing, checked against the server's own verification.

import { describe, expect, it } from 'vitest';
import { verifyMessage } from '../../server/atomic/ed25519.js';
import { parseCommit, verifyCommitSignature } from '../../server/atomic/commit.js';
import { parseSecret, signCommit, signedHeaders } from './agent.js';

// The public test vector of the Atomic Data client.
const seed = 'CapMWIhFUT+w7ANv9oCPqrHrwZpkP2JhzF9JnyT6WcI=';
const publicKey = '7LsjMW5gOfDdJzK/atgjQ1t20J/rw8MjVg6xwqm+h8U=';
const subject = `http://localhost:9883/agents/${publicKey}`;
const secretOf = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64');

describe('parseSecret', () => {
  it('reads a secret and derives the public key from its seed', () => {
    const agent = parseSecret(`  ${secretOf({ privateKey: seed, subject })}\n`);
    expect(agent).toMatchObject({ subject, publicKey, secret: secretOf({ privateKey: seed, subject }) });
  });

  it('says what is wrong with a secret it cannot use', () => {
    expect(() => parseSecret('not base64 at all!')).toThrow('not an agent secret: it should be base64-encoded JSON');
    expect(() => parseSecret(secretOf({ subject }))).toThrow('it needs a privateKey and a subject');
    expect(() => parseSecret(secretOf({ privateKey: 'AAAA', subject }))).toThrow('not base64 of a 32-byte Ed25519 key');
    expect(() => parseSecret(secretOf({ privateKey: seed, subject: 'me' }))).toThrow('not an agent URL');
  });
});

describe('signedHeaders', () => {
  it('signs "{url} {timestamp}" as the server verifies it', () => {
    const url = 'http://localhost:9883/crud/todo?parent=http%3A%2F%2Flocalhost%3A9883%2Ftodos&page=0';
    const headers = signedHeaders(parseSecret(secretOf({ privateKey: seed, subject })), url, 1_700_000_000_000);
    expect(headers).toMatchObject({ 'x-atomic-public-key': publicKey, 'x-atomic-timestamp': '1700000000000', 'x-atomic-agent': subject });
    expect(verifyMessage(`${url} 1700000000000`, headers['x-atomic-signature']!, publicKey)).toBe(true);
    expect(verifyMessage(`${url} 1700000000001`, headers['x-atomic-signature']!, publicKey)).toBe(false);
  });
});

describe('signCommit', () => {
  it('gives a commit the server parses and whose signature it accepts', () => {
    const agent = parseSecret(secretOf({ privateKey: seed, subject }));
    const signed = signCommit(agent, { subject: 'http://localhost:9883/note', set: { 'https://atomicdata.dev/properties/name': 'Ünïcode note' }, remove: [] }, 1_700_000_000_000);
    const commit = parseCommit(signed);
    expect(commit).toMatchObject({ subject: 'http://localhost:9883/note', signer: subject, createdAt: 1_700_000_000_000 });
    expect(verifyCommitSignature(commit, publicKey)).toBe(true);
    expect(verifyCommitSignature({ ...commit, createdAt: commit.createdAt + 1 }, publicKey)).toBe(false);
  });
});
