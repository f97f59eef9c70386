// The package build step after tsc (`npm run build`): builds, signs and indexes the reference
// plugins in plugins/ into dist/plugins/ (cli/lib/reference-build.ts). Run as
// `node dist/cli/build-reference-plugins.js [--plugins-dir <dir>] [--out <dir>] [--release]`:
// --plugins-dir and --out build another folder elsewhere (tests), --release refuses to sign with
// anything but the maintainers' release key (ATOMIC_PLUGIN_RELEASE_SECRET), as `npm publish` does.
// Without --plugins-dir it also builds the conformance kit's fixture plugins (fixtures/plugins: the
// probe and hostile plugins) the same way into dist/conformance/plugins, so that an installed
// `atomic-plugin conformance` has them without a compiler run.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from './lib/assemblyscript.js';
import { CliError } from './lib/errors.js';
import { buildReferencePlugins, toolchainHash, type ReferenceBuildResult } from './lib/reference-build.js';
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
  const summary = (what: string, built: ReferenceBuildResult, ms: number): string => {
    const names = Object.keys(built.index.plugins);
    const counts = [`${built.built.length} built`, `${built.resigned.length} signed again`, `${built.unchanged.length} unchanged`].join(', ');
    return `${what}: ${names.length > 0 ? names.join(', ') : '(none)'} (${counts}; ${ms} ms)`;
  };
  log(`${summary('Reference plugins', result, Math.round(performance.now() - started))}, signed with the ${publisher.kind} key ${publisher.agent.publicKey} from ${publisher.source}`);
  const fixturesDir = join(packageRoot, 'fixtures', 'plugins');
  if (values['plugins-dir'] === undefined && existsSync(fixturesDir)) {
    const fixturesStarted = performance.now();
    const fixtures = await buildReferencePlugins({
      pluginsDir: fixturesDir,
      outDir: join(packageRoot, 'dist', 'conformance', 'plugins'),
      publisher,
      toolchain: toolchainHash(packageRoot),
      progress: log,
    });
    log(summary('Conformance fixture plugins', fixtures, Math.round(performance.now() - fixturesStarted)));
  }
} catch (error) {
  if (error instanceof CliError) {
    log(`Error (${error.code}): ${error.message}`);
    for (const suggestion of error.suggestions ?? []) log(`  → ${suggestion}`);
  } else {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  process.exitCode = 1;
}
