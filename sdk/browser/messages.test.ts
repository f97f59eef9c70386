import { describe, expect, it } from 'vitest';
import { parseSecret } from './agent.js';
import { signInFailure } from './messages.js';

describe('signInFailure', () => {
  it('says as whom a sign-in failed and why, or only why when the secret did not parse', () => {
    const secret = btoa(JSON.stringify({ privateKey: btoa(String.fromCharCode(...new Uint8Array(32).fill(7))), subject: 'http://localhost:9883/agents/abc' }));
    const agent = parseSecret(secret);
    expect(signInFailure({ agent, error: new Error('the signature does not match') }, ' (try again)')).toBe(
      'Signing in as http://localhost:9883/agents/abc failed: the signature does not match (try again)',
    );
    expect(signInFailure({ agent: null, error: 'not a secret' })).toBe('not a secret');
  });
});
