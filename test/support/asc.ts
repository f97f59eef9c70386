// Builds AssemblyScript plugins for tests with the same cached asc build the CLI and benchmarks use.

import { compileAssemblyScript as compile } from '../../cli/lib/assemblyscript.js';

/** Compiles `entry` in `dir` and returns the module bytes. */
export async function compileAssemblyScript(dir: string, entry = 'index.ts'): Promise<Uint8Array> {
  return (await compile(dir, entry)).wasm;
}
