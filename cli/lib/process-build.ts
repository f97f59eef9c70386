// `build` for process plugins: the source and everything it imports bundled by esbuild into the
// manifest's entry (one ES module, so the package carries its dependencies), then started once
// by the process runtime itself in a throwaway folder: a plugin that fails to start or to finish
// its handshake fails here, and the exports its handshake declares are checked against the hooks.

import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { effectiveLimits, type PluginManifest } from '../../server/plugins/manifest.js';
import { createProcessRuntime } from '../../server/plugins/runtimes/process/index.js';
import { PluginLoadError } from '../../server/plugins/runtimes/runtime.js';
import { compileError } from './esbuild-errors.js';
import { CliError } from './errors.js';
import { checkExports, type CompiledCode } from './js-build.js';
import { bundleProcessPlugin } from './process-bundle.js';

/** How long the trial start may take: the host's own startup timeout. */
const START_TIMEOUT_MS = 10_000;

/** The trial start failed; `output` is what the process printed (stderr, stray stdout). */
class TrialStartError extends Error {
  constructor(
    message: string,
    readonly output: readonly string[],
  ) {
    super(message);
  }
}

/** Starts the bundled entry as the host would, beside the package's other files, and answers with the exports of its handshake. */
async function trialStart(code: Uint8Array, manifest: PluginManifest, extra: Readonly<Record<string, Uint8Array>>): Promise<readonly string[]> {
  const temp = mkdtempSync(join(tmpdir(), 'atomic-plugin-build-'));
  try {
    const packageDir = join(temp, 'package');
    const dataDir = join(temp, 'data');
    mkdirSync(packageDir);
    mkdirSync(dataDir);
    for (const [path, bytes] of Object.entries({ ...extra, [manifest.entry]: code })) {
      mkdirSync(dirname(join(packageDir, path)), { recursive: true });
      writeFileSync(join(packageDir, path), bytes);
    }
    const runtime = createProcessRuntime({ startupTimeoutMs: START_TIMEOUT_MS, maxCrashes: 1 });
    // What the process prints is the useful part of a failure (a stack trace on stderr).
    const output: string[] = [];
    // No host functions and a server nobody listens on: the trial only starts it and shakes hands;
    // init is not called, so no hook code runs.
    const instance = await runtime.instantiate(
      { kind: 'process', bytes: new Uint8Array(), exports: [] },
      {
        hostFunctions: {},
        limits: { timeoutMs: START_TIMEOUT_MS, fuel: null, memoryMb: effectiveLimits(manifest).memoryMb },
        log: (_level, line) => output.push(line),
        plugin: {
          namespace: manifest.namespace,
          name: manifest.name,
          version: manifest.version,
          packageDir,
          entry: manifest.entry,
          dataDir,
          serverUrl: 'http://127.0.0.1:9',
          agent: { subject: 'http://127.0.0.1:9/agents/build', publicKey: randomBytes(32).toString('base64'), secret: randomBytes(32).toString('base64') },
        },
      },
    ).catch((error: unknown) => {
      if (!(error instanceof PluginLoadError)) throw error;
      throw new TrialStartError(error.message, output);
    });
    const exported = instance.exports();
    await instance.close();
    return exported;
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

/** Bundles `source` in `root` into the manifest's entry, starts it once (beside `extra`, the package's other files), and checks its exports. */
export async function compileProcessPlugin(root: string, source: string, manifest: PluginManifest, extra: Readonly<Record<string, Uint8Array>> = {}): Promise<CompiledCode> {
  let code: Uint8Array;
  try {
    code = await bundleProcessPlugin(resolve(root, source), { resolveDir: root });
  } catch (error) {
    throw compileError(error, source, root);
  }
  let exported: readonly string[];
  try {
    exported = await trialStart(code, manifest, extra);
  } catch (error) {
    if (!(error instanceof TrialStartError)) throw error;
    // What the process printed, without the supervisor's own notes on the crash.
    const printed = error.output.filter((line) => /^std(err|out): /.test(line)).slice(-20).map((line) => `  ${line.slice('stderr: '.length)}`).join('\n');
    throw new CliError('PLUGIN_START_FAILED', `The bundled ${manifest.entry} does not start as a process plugin: ${error.message}${printed ? `\nIt printed:\n${printed}` : ''}`, [
      'fix what it printed; it must call definePlugin from atomic-plugin/sdk/node at startup (or speak the protocol in docs/design/process-runtime.md)',
    ]);
  }
  checkExports(manifest, exported, (name) => `add a \`${name}\` handler to the exports given to definePlugin in ${source}`);
  return { code, cached: false };
}
