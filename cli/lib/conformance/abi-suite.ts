// The plugin ABI suite: the probe plugin (every hook and host function), a second copy of it in
// another namespace (a provider for call_plugin, and another plugin whose hooks see the first
// one's commits) and the hostile plugin (loops, memory, traps, abuse of host functions), built with
// the real AssemblyScript compiler into dist/conformance/plugins at `npm run build`, installed
// through the CLI's install path, exercised by the scenarios in fixtures/conformance-suites/abi,
// and uninstalled. Before them, an install whose grant does not cover the code's imports must be
// refused with nothing stored.

import { join } from 'node:path';
import { buildPackage, MANIFEST_FILE, signPackage } from '../../../server/plugins/package.js';
import { packageRoot } from '../assemblyscript.js';
import { CliError } from '../errors.js';
import { getAs } from '../http-exchange.js';
import { createInstallation, uploadPackage } from '../installations.js';
import { parsePackage } from '../package-signing.js';
import type { LoadedPackage } from '../plugin-source.js';
import { loadReferencePackage } from '../reference-plugins.js';
import type { ScenarioFile } from './fixture.js';
import { installForRun, uninstallForRun, type Installed } from './plugin-suite.js';
import { runInBase, type RunContext } from './suite-context.js';

/** Where `npm run build` puts the fixture plugins' signed packages, with an index like dist/plugins. */
export const FIXTURE_PLUGINS_DIR = join(packageRoot, 'dist', 'conformance', 'plugins');

const SUITE = 'abi';
/** The namespace of the second probe. */
const OTHER_NAMESPACE = 'conformance';

/** A fixture plugin's package from dist/conformance/plugins, checked against its index. */
function fixturePlugin(name: string): LoadedPackage {
  const reference = loadReferencePackage(name, FIXTURE_PLUGINS_DIR);
  return { zip: reference.zip, pkg: reference.pkg, label: reference.path };
}

/** The probe again in another namespace, signed by the owner (its endpoints then do not clash). */
function probeElsewhere(probe: LoadedPackage, context: RunContext): LoadedPackage {
  const manifest = { ...JSON.parse(new TextDecoder().decode(probe.pkg.files[MANIFEST_FILE])), namespace: OTHER_NAMESPACE } as Record<string, unknown>;
  const files = { ...probe.pkg.files, [MANIFEST_FILE]: new TextEncoder().encode(JSON.stringify(manifest)) };
  const zip = signPackage(buildPackage(files), context.target.owner);
  return { zip, pkg: parsePackage(zip, `${OTHER_NAMESPACE}/probe`), label: `${OTHER_NAMESPACE}/probe` };
}

/**
 * The wasm probe asks for network; granted everything else, its import of http_request is not
 * covered, and the host must refuse the install (PLUGIN_LOAD_FAILED) with nothing stored.
 */
async function ungrantedImportRefused(context: RunContext, probe: LoadedPackage): Promise<void> {
  const { target } = context;
  const subject = `${target.serverUrl}/plugins/installed/conformance-ungranted-${context.run}`;
  const granted = probe.pkg.manifest.permissions.map((p) => p.name).filter((p) => p !== 'network');
  await context.log.run({ suite: SUITE, scenario: 'permissions/install', name: 'an install whose grant does not cover the code\'s imports is refused, and nothing is stored' }, async () => {
    const packageUrl = await uploadPackage(target.serverUrl, probe.zip, target.owner);
    let refusal: string | undefined;
    try {
      await createInstallation(target.serverUrl, target.owner, subject, { packageUrl, manifest: { ...probe.pkg.manifest, namespace: `${OTHER_NAMESPACE}-ungranted` }, granted });
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      refusal = error.message;
    }
    const after = await getAs(subject, target.owner);
    const differences = [];
    if (refusal === undefined || !/\(4\d\d\)/.test(refusal) || !refusal.includes('"network"')) {
      differences.push({ path: 'install', expected: 'refused with a 4xx that names the missing permission "network"', got: refusal ?? 'installed' });
    }
    if (after.status !== 404) differences.push({ path: `GET ${subject}`, expected: 404, got: after.status });
    if (differences.length > 0) return { expectation: 'the commit is refused with a 4xx and the Plugin resource does not exist', request: { method: 'POST', url: `${target.serverUrl}/commit`, as: 'owner' }, differences };
  });
}

/** Runs the ABI suite with its scenarios (fixtures/conformance-suites/abi). */
export async function runAbiSuite(context: RunContext, scenarios: readonly ScenarioFile[]): Promise<void> {
  let probe: LoadedPackage;
  let hostile: LoadedPackage;
  try {
    [probe, hostile] = [fixturePlugin('probe'), fixturePlugin('hostile')];
  } catch (error) {
    await context.log.run({ suite: SUITE, scenario: 'setup', name: 'the fixture plugins are built (dist/conformance/plugins)' }, () => Promise.reject(error));
    return;
  }
  await ungrantedImportRefused(context, probe);
  const installs: [string, Installed | undefined][] = [];
  try {
    for (const [label, pkg] of [['test/probe', probe], ['test/hostile', hostile], [`${OTHER_NAMESPACE}/probe`, probeElsewhere(probe, context)]] as const) {
      installs.push([label, await installForRun(context, SUITE, { label, source: pkg.label, package: pkg })]);
    }
    if (installs.some(([, i]) => !i)) {
      for (const file of scenarios) context.log.skip({ suite: SUITE, scenario: `abi/${file.name}`, name: file.scenario.description }, 'a fixture plugin did not install');
      return;
    }
    const plugins = `${context.target.serverUrl}/plugins`;
    const probeInstallation = installs[0]![1]!.plugin.subject;
    const extra = { probe: `${plugins}/test/probe`, hostile: `${plugins}/test/hostile`, probe2: `${plugins}/${OTHER_NAMESPACE}/probe`, probeInstallation: encodeURIComponent(probeInstallation) };
    for (const file of scenarios) await runInBase(context, SUITE, SUITE, file, extra);
  } finally {
    for (const [label, installed] of installs.reverse()) if (installed) await uninstallForRun(context, SUITE, label, installed);
  }
}
