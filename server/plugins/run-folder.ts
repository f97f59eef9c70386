// Where a plugin that runs from disk (the `process` runtime) finds its files: the verified package
// extracted once per digest into a read-only run folder, and a writable data folder of its own per
// installation. Both live under the host's data folder:
//   <dataDir>/plugins/run/<digest hex>/        the package, files 0444, folders 0555
//   <dataDir>/plugins/data/<sha256(subject)>/  the installation's own files, 0700

import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The run folder of a package digest (`sha256:<hex>`). */
export function runFolderPath(dataDir: string, digest: string): string {
  return join(dataDir, 'plugins', 'run', digest.replace(/^sha256:/, ''));
}

/** The data folder of an installation. */
export function pluginDataPath(dataDir: string, installation: string): string {
  return join(dataDir, 'plugins', 'data', createHash('sha256').update(installation).digest('hex'));
}

/**
 * Extracts a verified package's files into its run folder unless it is already there, and returns
 * the folder. Written to a temporary folder and renamed, so a folder that exists is complete.
 * Files are read-only; `executable` files (a non-Node entry) get the execute bit.
 */
export function extractRunFolder(dataDir: string, digest: string, files: Readonly<Record<string, Uint8Array>>, executable: readonly string[] = []): string {
  const dir = runFolderPath(dataDir, digest);
  if (existsSync(dir)) return dir;
  const tmp = `${dir}.tmp-${randomBytes(6).toString('hex')}`;
  mkdirSync(tmp, { recursive: true, mode: 0o755 });
  try {
    for (const [path, bytes] of Object.entries(files)) {
      // readPackage already refused absolute paths, `..` and the like (UNSAFE_PATH).
      const file = join(tmp, path);
      mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
      writeFileSync(file, bytes, { mode: executable.includes(path) ? 0o555 : 0o444 });
    }
    sealFolders(tmp);
    renameSync(tmp, dir);
  } catch (error) {
    if (existsSync(dir)) {
      removeRunFolder(tmp); // another extraction won the race
      return dir;
    }
    removeRunFolder(tmp);
    throw error;
  }
  return dir;
}

/** Makes every folder below (and including) `dir` read-only. */
function sealFolders(dir: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sealFolders(path);
  }
  chmodSync(dir, 0o555);
}

function unsealFolders(dir: string): void {
  chmodSync(dir, 0o755);
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) unsealFolders(path);
  }
}

/** Removes a run folder (read-only folders included). */
export function removeRunFolder(dir: string): void {
  if (!existsSync(dir)) return;
  unsealFolders(dir);
  rmSync(dir, { recursive: true, force: true });
}

/** Creates an installation's data folder if needed, and returns it. */
export function ensurePluginDataFolder(dataDir: string, installation: string): string {
  const dir = pluginDataPath(dataDir, installation);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** Removes an installation's data folder (at uninstall). */
export function removePluginDataFolder(dataDir: string, installation: string): void {
  rmSync(pluginDataPath(dataDir, installation), { recursive: true, force: true });
}
