// A plugin against its fixtures: installed through the CLI's install path, each scenario run in
// its own base (with the scenario's config set first and the previous config put back after), then
// uninstalled and checked gone: its Plugin resource and its endpoints.

import { CliError } from '../errors.js';
import { install } from '../install.js';
import { destroyInstallation, findInstallation, readInstallation, setConfig, type InstalledPlugin } from '../installations.js';
import type { JsonObject } from '../plugin-config.js';
import type { LoadedPackage } from '../plugin-source.js';
import { props } from '../../../server/atomic/urls.js';
import { getAs, postSignedCommit } from '../http-exchange.js';
import { signCommit } from '../../../server/atomic/commit.js';
import type { ScenarioFile } from './fixture.js';
import { runInBase, type RunContext } from './suite-context.js';
import { childrenOf, destroyAll } from './workspace.js';
import type { Variables } from './template.js';

/** A plugin to test and how to get it. */
export interface PluginUnderTest {
  /** How reports name it: a reference plugin's short name, or the project folder. */
  label: string;
  /** What `install` takes: a short name, a folder, a zip. */
  source: string;
  /** The package, loaded already (the ABI suite's fixture plugins). */
  package?: LoadedPackage;
  /** `namespace/name`, when known before it is built: a plugin installed already is tested as it is. */
  pluginId?: string;
  scenarios: ScenarioFile[];
  /** Permissions to grant; all it asks for by default. */
  grant?: string[];
}

/** An installed plugin of the run, and whether the run installed it (and must remove it). */
export interface Installed {
  plugin: InstalledPlugin;
  ownedByRun: boolean;
  /** The drive's children before the run installed it: what its install adds (an init's own resources) is removed with it. */
  driveBefore: string[];
  /** The drive's writers before the run installed it: the host adds the agent of a plugin with full-drive-access, and keeps it there after uninstall. */
  writersBefore: string[];
}

async function alreadyInstalled(context: RunContext, pluginId: string | undefined): Promise<InstalledPlugin | undefined> {
  if (!pluginId) return undefined;
  try {
    return await findInstallation(context.target.serverUrl, context.target.owner, pluginId);
  } catch (error) {
    if (error instanceof CliError && error.code === 'PLUGIN_NOT_FOUND') return undefined;
    throw error;
  }
}

/** Installs the plugin as `atomic-plugin install <source> --yes` does (a check); undefined when it failed. */
export async function installForRun(context: RunContext, suite: string, plugin: Omit<PluginUnderTest, 'scenarios'>): Promise<Installed | undefined> {
  const { target } = context;
  const scenario = `${plugin.label}/install`;
  const existing = await alreadyInstalled(context, plugin.pluginId);
  if (existing) {
    context.log.skip({ suite, scenario, name: `installs ${plugin.label} through the CLI` }, `${existing.summary.plugin} is installed already at ${existing.subject}: tested as it is, and left installed`);
    return { plugin: existing, ownedByRun: false, driveBefore: [], writersBefore: [] };
  }
  let installed: Installed | undefined;
  const driveBefore = await childrenOf(target, target.serverUrl);
  const writersBefore = await driveWriters(context);
  await context.log.run({ suite, scenario, name: `installs ${plugin.label} through the CLI` }, async () => {
    const result = await install({
      serverUrl: target.serverUrl,
      agent: target.owner,
      source: plugin.source,
      yes: true,
      // Only the steps that take time; the permissions and signer are in the report of `install`.
      progress: (line) => {
        if (/^(Installing|Building|Compiling)/.test(line)) context.progress(`  ${line}`);
      },
      ...(plugin.grant ? { grant: plugin.grant } : {}),
      ...(plugin.package ? { package: plugin.package } : {}),
    });
    installed = { plugin: await readInstallation(target.serverUrl, target.owner, result.subject), ownedByRun: true, driveBefore, writersBefore };
  });
  return installed;
}

/**
 * Uninstalls a plugin the run installed and checks that its resource and endpoints are gone. What
 * its install added to the drive (a plugin's init may keep resources there that outlive it, as
 * the todo plugin's ontology does) is destroyed too, and a plugin agent the host added to the
 * drive's writers (full-drive-access) is taken off again, so the run leaves the drive as it found
 * it. The plugin's Agent resource stays: the host keeps it, as the signer of the plugin's commits.
 */
export async function uninstallForRun(context: RunContext, suite: string, label: string, installed: Installed): Promise<void> {
  if (!installed.ownedByRun) return;
  const { target } = context;
  const { subject, summary } = installed.plugin;
  await context.log.run({ suite, scenario: `${label}/uninstall`, name: `uninstalls ${label}, leaving neither its resource, its endpoints nor what its install made` }, async () => {
    await destroyInstallation(target.serverUrl, target.owner, subject);
    const added = (await childrenOf(target, target.serverUrl)).filter((s) => !installed.driveBefore.includes(s));
    const left = (await destroyAll(target, added)).map((s) => `${s} (could not be destroyed)`);
    const writers = await driveWriters(context);
    if (writers.some((w) => !installed.writersBefore.includes(w))) {
      const kept = writers.filter((w) => installed.writersBefore.includes(w));
      await postSignedCommit(target.serverUrl, signCommit({ subject: target.serverUrl, set: { [props.write]: kept } }, target.owner));
    }
    for (const url of [subject, ...summary.endpoints.filter((e) => !e.includes('{'))]) {
      const result = await getAs(url, target.owner);
      if (result.status !== 404) left.push(`${url} (${result.status})`);
    }
    if (left.length > 0) return { expectation: 'status 404 for the Plugin resource, each endpoint and each resource its install made', differences: [{ path: 'still there', expected: [], got: left }] };
  });
}

/** The drive's write list. */
export async function driveWriters(context: RunContext): Promise<string[]> {
  const write = (await getAs(context.target.serverUrl, context.target.owner)).body?.[props.write];
  return Array.isArray(write) ? write.filter((w): w is string => typeof w === 'string') : [];
}

/** Runs `scenario` with its config set on the plugin, putting the previous config back after. */
async function withConfig(context: RunContext, suite: string, label: string, installed: Installed, file: ScenarioFile, run: () => Promise<boolean>): Promise<void> {
  const config = file.scenario.config;
  if (!config) {
    await run();
    return;
  }
  const { target } = context;
  const subject = installed.plugin.subject;
  const previous = (await readInstallation(target.serverUrl, target.owner, subject)).stored[props.plugin.config];
  const scenario = `${label}/${file.name}`;
  const set = await context.log.run({ suite, scenario, name: 'the scenario\'s config is accepted' }, () => setConfig(target.serverUrl, target.owner, subject, config as JsonObject));
  if (!set) return;
  try {
    await run();
  } finally {
    if (previous && typeof previous === 'object' && !Array.isArray(previous)) await setConfig(target.serverUrl, target.owner, subject, previous);
  }
}

/** Installs the plugin, runs its scenarios, uninstalls it. */
export async function runPluginSuite(context: RunContext, suite: string, plugin: PluginUnderTest, extra: Variables = {}): Promise<void> {
  const installed = await installForRun(context, suite, plugin);
  if (!installed) {
    for (const file of plugin.scenarios) context.log.skip({ suite, scenario: `${plugin.label}/${file.name}`, name: file.scenario.description }, `${plugin.label} did not install`);
    return;
  }
  try {
    for (const file of plugin.scenarios) {
      await withConfig(context, suite, plugin.label, installed, file, () => runInBase(context, suite, plugin.label, file, extra));
    }
  } finally {
    await uninstallForRun(context, suite, plugin.label, installed);
  }
}
