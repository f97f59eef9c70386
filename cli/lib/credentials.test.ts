// Where the CLI takes its server and secret from: flags, then the environment, then the config
// file that `agent login` writes (mode 0600), then the default server.

import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAgentIdentity, encodeSecret } from '../../server/atomic/agent.js';
import { cliConfigPath, readCliConfig, writeCliConfig } from './cli-config.js';
import { CliError } from './errors.js';
import { requireAgent, resolveAgent, resolveServerUrl } from './server-client.js';

const dir = mkdtempSync(join(tmpdir(), 'atomic-plugin-credentials-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('credentials', () => {
  const a = createAgentIdentity('http://a.example');
  const b = createAgentIdentity('http://b.example');
  const c = createAgentIdentity('http://c.example');
  const file = { server: 'http://file.example', secret: encodeSecret(c) };

  it('take the flag over the environment over the file', () => {
    const env = { ATOMIC_SERVER_URL: 'http://env.example/', ATOMIC_AGENT_SECRET: encodeSecret(b) };
    expect(resolveServerUrl('http://flag.example', env, file)).toBe('http://flag.example');
    expect(resolveServerUrl(undefined, env, file)).toBe('http://env.example');
    expect(resolveServerUrl(undefined, {}, file)).toBe('http://file.example');
    expect(resolveServerUrl(undefined, {}, {})).toBe('http://localhost:9883');
    expect(resolveAgent(encodeSecret(a), env, file)?.subject).toBe(a.subject);
    expect(resolveAgent(undefined, env, file)?.subject).toBe(b.subject);
    expect(resolveAgent(undefined, {}, file)?.subject).toBe(c.subject);
    expect(resolveAgent(undefined, {}, {})).toBeUndefined();
  });

  it('say where a bad value came from', () => {
    expect(() => resolveAgent(undefined, {}, { secret: 'nope' })).toThrow(/Invalid agent secret in the config file/);
    expect(() => resolveServerUrl(undefined, {}, { server: 'ftp://x' })).toThrow(/Invalid server URL from the config file/);
  });

  it('are saved readable by the owner only, and read back', () => {
    const env = { ATOMIC_PLUGIN_CONFIG: join(dir, 'sub', 'config.json') };
    const path = writeCliConfig(file, env);
    expect(path).toBe(cliConfigPath(env));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readCliConfig(env)).toEqual(file);
    expect(cliConfigPath({ XDG_CONFIG_HOME: '/x' })).toBe('/x/atomic-plugin/config.json');
  });

  it('refuse a config file that is not a JSON object, and a missing secret when one is needed', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '[1, 2');
    expect(() => readCliConfig({ ATOMIC_PLUGIN_CONFIG: path })).toThrow(CliError);
    const missing = (() => {
      try {
        requireAgent(undefined, { ATOMIC_PLUGIN_CONFIG: join(dir, 'none.json') });
      } catch (error) {
        return error as CliError;
      }
      return undefined;
    })();
    expect(missing?.code).toBe('MISSING_SECRET');
  });
});
