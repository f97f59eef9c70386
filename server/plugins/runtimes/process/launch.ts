// How a process plugin is started: the command, arguments, environment and working folder. A
// .js/.mjs/.cjs entry runs with the host's own Node under Node's permission model (file reads
// limited to its run and data folders, writes to its data folder, no child processes or workers)
// and a heap cap; anything else is executed directly with a clean environment. The plugin's
// secrets never appear here: they travel in the handshake (docs/design/process-runtime.md).

import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';

/** What to spawn. */
export interface LaunchSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** True when the entry runs with Node (and so under its permission model with a heap cap). */
  readonly node: boolean;
}

/** Node's permission flag: `--permission` (22.13+, 23.5+), `--experimental-permission` (20, 21, 22.x before), or none. */
export function nodePermissionFlag(flags: ReadonlySet<string> = process.allowedNodeEnvironmentFlags): string | null {
  if (flags.has('--permission')) return '--permission';
  if (flags.has('--experimental-permission')) return '--experimental-permission';
  return null;
}

/**
 * `setpriv --pdeathsig KILL` (util-linux) where it exists: the kernel then kills the plugin when the
 * host process dies, even by SIGKILL, even while the plugin spins in a loop and cannot notice that
 * its stdin closed. Without it such a plugin would outlive a killed host.
 */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => process.platform === 'linux' && existsSync(path));

function withParentDeathSignal(spec: LaunchSpec): LaunchSpec {
  if (SETPRIV === undefined) return spec;
  return { ...spec, command: SETPRIV, args: ['--pdeathsig', 'KILL', '--', spec.command, ...spec.args] };
}

/** True for entries the host runs with its own Node. */
export function isNodeEntry(entry: string): boolean {
  return /\.[cm]?js$/.test(entry);
}

export interface LaunchOptions {
  readonly runDir: string;
  readonly dataDir: string;
  readonly entry: string;
  /** Heap cap for Node entries, in MiB. */
  readonly memoryMb: number;
  /** The Node binary for Node entries. Default: the host's own. */
  readonly nodePath?: string;
  /**
   * Whether the plugin may use the network itself. Only Node versions whose permission model
   * covers the network (`--allow-net`, Node 25+) can withhold it; older ones cannot (see
   * docs/design/process-runtime.md). Default true.
   */
  readonly network?: boolean;
  /** The Node flags to detect the permission model from. Default: the host Node's. */
  readonly nodeFlags?: ReadonlySet<string>;
  /**
   * Profile a Node entry with V8's `--cpu-prof`, writing into this folder when it exits. Node's
   * permission model switches the inspector off, and with it the profiler, so a profiled plugin
   * runs without the permission model: for development only.
   */
  readonly cpuProfileDir?: string;
}

/** Builds the launch of a process plugin. */
export function launchSpec(options: LaunchOptions): LaunchSpec {
  // Node's permission model compares real paths: a symlinked data folder (/tmp on macOS) would
  // otherwise deny the plugin its own files.
  const runDir = realpathSync(options.runDir);
  const dataDir = realpathSync(options.dataDir);
  const entryPath = join(runDir, options.entry);
  // A clean environment: nothing of the host's (its secrets, proxies, NODE_OPTIONS) leaks in.
  const env: Record<string, string> = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: dataDir,
    TMPDIR: dataDir,
    LANG: 'C.UTF-8',
    ATOMIC_PLUGIN_PROTOCOL: '1',
    ATOMIC_PLUGIN_DATA_DIR: dataDir,
    ATOMIC_PLUGIN_RUN_DIR: runDir,
  };
  if (!isNodeEntry(options.entry)) {
    return withParentDeathSignal({ command: entryPath, args: [], env, cwd: dataDir, node: false });
  }
  const args: string[] = [];
  const flags = options.nodeFlags ?? process.allowedNodeEnvironmentFlags;
  const permission = options.cpuProfileDir === undefined ? nodePermissionFlag(flags) : null;
  if (options.cpuProfileDir !== undefined) args.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`);
  if (permission !== null) {
    args.push(permission, `--allow-fs-read=${runDir}`, `--allow-fs-read=${dataDir}`, `--allow-fs-write=${dataDir}`);
    if (flags.has('--allow-net') && options.network !== false) args.push('--allow-net');
  }
  args.push(
    `--max-old-space-size=${Math.max(8, Math.floor(options.memoryMb))}`,
    // Node 20 prints an ExperimentalWarning for the permission model on every start.
    '--disable-warning=ExperimentalWarning',
    entryPath,
  );
  return withParentDeathSignal({ command: options.nodePath ?? process.execPath, args, env, cwd: dataDir, node: true });
}
