// `build --compiler extism-js`: a wasm plugin written in TypeScript against the Extism JS PDK,
// bundled by esbuild and compiled by the user's own `extism-js` into an Extism module
// (docs/design/js-runtime.md, "The same source as a wasm plugin"). extism-js is not an npm package
// and is not bundled: it is used only when it is on PATH, and its absence is a clear error.

import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { bundlePlugin } from './esbuild.js';
import { compileError } from './esbuild-errors.js';
import { CliError } from './errors.js';

/** The interface file extism-js needs next to the source: the exports and the host functions used. */
export const EXTISM_JS_INTERFACE = 'plugin.d.ts';

/** The full path of `extism-js` on PATH, or null. */
export function findExtismJs(path = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, process.platform === 'win32' ? 'extism-js.exe' : 'extism-js');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return null;
}

/** Bundles `source` with esbuild and compiles the bundle with extism-js into a WebAssembly module. */
export async function compileWithExtismJs(root: string, source: string): Promise<Uint8Array> {
  const compiler = findExtismJs();
  if (compiler === null) {
    throw new CliError('COMPILER_NOT_FOUND', 'extism-js is not on PATH: `--compiler extism-js` runs the extism-js you installed, and atomic-plugin does not ship one', [
      'install extism-js (https://github.com/extism/js-pdk#install-the-compiler) and build again',
      'or build the same source for the js runtime: "runtime": "js" in plugin.json, and no --compiler',
    ]);
  }
  const iface = join(root, EXTISM_JS_INTERFACE);
  if (!existsSync(iface)) {
    throw new CliError('NOT_A_PLUGIN', `${iface} does not exist: extism-js needs an interface file declaring the exports and the host functions the plugin calls`, [
      "see docs/design/js-runtime.md: `declare module 'main' { export function handle_request(): I32; }`",
    ]);
  }
  let script: Uint8Array;
  try {
    ({ script } = await bundlePlugin(root, source));
  } catch (error) {
    throw compileError(error, source, root);
  }
  const temp = mkdtempSync(join(tmpdir(), 'atomic-plugin-extism-js-'));
  try {
    writeFileSync(join(temp, 'plugin.js'), script);
    const out = join(temp, 'plugin.wasm');
    await new Promise<void>((resolve, reject) => {
      execFile(compiler, [join(temp, 'plugin.js'), '-i', iface, '-o', out], { cwd: root, timeout: 300_000 }, (error, stdout, stderr) => {
        if (error) reject(new CliError('BUILD_FAILED', `extism-js failed on ${source}:\n${`${stdout}${stderr}`.trimEnd()}`, ['fix the errors above and build again']));
        else resolve();
      });
    });
    return readFileSync(out);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}
