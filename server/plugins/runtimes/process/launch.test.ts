// How process plugins are launched on each Node generation's permission model.

import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { launchSpec, nodePermissionFlag } from './launch.js';

const root = mkdtempSync(join(tmpdir(), 'launch-test-'));
const runDir = join(root, 'run');
const dataDir = join(root, 'data');
mkdirSync(runDir);
mkdirSync(dataDir);

const node20 = new Set(['--experimental-permission', '--allow-fs-read', '--allow-fs-write', '--max-old-space-size']);
const node22 = new Set(['--permission', '--experimental-permission', '--allow-fs-read', '--allow-fs-write']);
const node25 = new Set(['--permission', '--allow-fs-read', '--allow-fs-write', '--allow-net']);

describe('launchSpec', () => {
  it('picks the permission flag the running Node has', () => {
    expect(nodePermissionFlag(node20)).toBe('--experimental-permission');
    expect(nodePermissionFlag(node22)).toBe('--permission');
    expect(nodePermissionFlag(new Set())).toBeNull();
    // This machine's Node has one of them.
    expect(nodePermissionFlag()).not.toBeNull();
  });

  it('runs a JavaScript entry with Node, confined to its folders, with a heap cap', () => {
    const spec = launchSpec({ runDir, dataDir, entry: 'plugin.mjs', memoryMb: 24, nodeFlags: node22 });
    expect(spec.node).toBe(true);
    expect(spec.args).toEqual(expect.arrayContaining(['--permission', `--allow-fs-read=${runDir}`, `--allow-fs-read=${dataDir}`, `--allow-fs-write=${dataDir}`, '--max-old-space-size=24']));
    expect(spec.args.at(-1)).toBe(join(runDir, 'plugin.mjs'));
    expect(spec.cwd).toBe(dataDir);
  });

  it('drops the permission model only for a plugin being CPU-profiled, which the model would stop', () => {
    const profiled = launchSpec({ runDir, dataDir, entry: 'plugin.mjs', memoryMb: 24, nodeFlags: node22, cpuProfileDir: '/tmp/profiles' });
    expect(profiled.args).toEqual(expect.arrayContaining(['--cpu-prof', '--cpu-prof-dir=/tmp/profiles', '--max-old-space-size=24']));
    expect(profiled.args.join(' ')).not.toMatch(/permission|allow-fs/);
    expect(launchSpec({ runDir, dataDir, entry: 'plugin.mjs', memoryMb: 24, nodeFlags: node22 }).args.join(' ')).not.toContain('cpu-prof');
  });

  it('withholds the network only where Node can (--allow-net), and only without the network permission', () => {
    expect(launchSpec({ runDir, dataDir, entry: 'p.js', memoryMb: 32, nodeFlags: node25, network: true }).args).toContain('--allow-net');
    expect(launchSpec({ runDir, dataDir, entry: 'p.js', memoryMb: 32, nodeFlags: node25, network: false }).args).not.toContain('--allow-net');
    expect(launchSpec({ runDir, dataDir, entry: 'p.js', memoryMb: 32, nodeFlags: node20, network: false }).args).not.toContain('--allow-net');
  });

  it('executes anything else directly, with a clean environment and no secrets', () => {
    const spec = launchSpec({ runDir, dataDir, entry: 'bin/plugin', memoryMb: 32 });
    expect(spec.node).toBe(false);
    expect([spec.command, ...spec.args]).toContain(join(runDir, 'bin/plugin'));
    expect(Object.keys(spec.env).sort()).toEqual(['ATOMIC_PLUGIN_DATA_DIR', 'ATOMIC_PLUGIN_PROTOCOL', 'ATOMIC_PLUGIN_RUN_DIR', 'HOME', 'LANG', 'PATH', 'TMPDIR']);
  });
});
