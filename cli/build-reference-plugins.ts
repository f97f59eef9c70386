// The package build step after tsc (`npm run build`): builds, signs and indexes the reference
// plugins in plugins/ into dist/plugins/ (cli/lib/reference-build.ts). Run as
// `node dist/cli/build-reference-plugins.js [--plugins-dir <dir>] [--out <dir>] [--release]`:
// --plugins-dir and --out build another folder elsewhere (tests), --release refuses to sign with
// anything but the maintainers' release key (ATOMIC_PLUGIN_RELEASE_SECRET), as `npm publish` does.

import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from './lib/assemblyscript.js';
import { CliError } from './lib/errors.js';
import { buildReferencePlugins, toolchainHash } from './lib/reference-build.js';
import { resolvePublisher } from './lib/reference-publisher.js';

const log = (line: string): void => void process.stderr.write(`${line}\n`);

try {
  const { values } = parseArgs({
    options: { 'plugins-dir': { type: 'string' }, out: { type: 'string' }, release: { type: 'boolean', default: false } },
    strict: true,
  });
  const publisher = resolvePublisher(packageRoot, { requireRelease: values.release });
  const started = performance.now();
  const result = await buildReferencePlugins({
    pluginsDir: resolve(values['plugins-dir'] ?? join(packageRoot, 'plugins')),
    outDir: resolve(values.out ?? join(packageRoot, 'dist', 'plugins')),
    publisher,
    toolchain: toolchainHash(packageRoot),
    progress: log,
  });
  const names = Object.keys(result.index.plugins);
  const counts = [`${result.built.length} built`, `${result.resigned.length} signed again`, `${result.unchanged.length} unchanged`].join(', ');
  log(`Reference plugins: ${names.length > 0 ? names.join(', ') : '(none)'} (${counts}; ${Math.round(performance.now() - started)} ms), signed with the ${publisher.kind} key ${publisher.agent.publicKey} from ${publisher.source}`);
} catch (error) {
  if (error instanceof CliError) {
    log(`Error (${error.code}): ${error.message}`);
    for (const suggestion of error.suggestions ?? []) log(`  → ${suggestion}`);
  } else {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  process.exitCode = 1;
}
