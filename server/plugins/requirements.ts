// What plugins require of each other (manifest `requires`: `namespace/name@range`). A requirement is
// met as `call_plugin` resolves one: by an active plugin of that name whose version is in range, or
// one that `provides` that name at a version in range. The host refuses a change of the installed
// plugins that would leave an active plugin with a requirement unmet, as a package manager refuses
// to break dependencies: installing before what it needs, updating past the range a dependent
// asks for, removing or switching off what another active plugin needs. At boot nothing is
// refused: what was installed loads as it can.

import semver from 'semver';
import { parseRequirement, pluginId, type PluginManifest } from './manifest.js';

type Manifest = Pick<PluginManifest, 'namespace' | 'name' | 'version' | 'requires' | 'provides'>;

/** An active plugin, as far as requirements go. */
export interface RequirementHolder {
  readonly subject: string;
  readonly manifest: Manifest;
}

/** Whether a plugin meets `plugin@range`, by its own name and version or by what it provides. */
function meets(manifest: Manifest, plugin: string, range: string): boolean {
  return (pluginId(manifest) === plugin && semver.satisfies(manifest.version, range)) || manifest.provides.some((p) => p.name === plugin && semver.satisfies(p.version, range));
}

/**
 * Why the plugin at `subject` may not become `next` (null: removed or switched off) while `active`
 * run (its own current installation among them); null when no requirement breaks.
 */
export function requirementProblem(subject: string, next: Manifest | null, active: Iterable<RequirementHolder>): string | null {
  const all = [...active];
  const others = all.filter((holder) => holder.subject !== subject);
  if (next) {
    for (const spec of next.requires) {
      const { plugin, range } = parseRequirement(spec);
      if (others.some((holder) => meets(holder.manifest, plugin, range))) continue;
      const installed = others.filter((holder) => pluginId(holder.manifest) === plugin).map((holder) => holder.manifest.version);
      return installed.length === 0
        ? `${pluginId(next)} requires ${spec}, which is not installed and active: install ${plugin} first`
        : `${pluginId(next)} requires ${spec}, but ${plugin} ${installed.join(', ')} is installed: update ${plugin} first`;
    }
  }
  // Only what this change breaks: a dependent left unmet at boot does not block unrelated changes.
  const before = all.map((holder) => holder.manifest);
  const after = [...others.map((holder) => holder.manifest), ...(next ? [next] : [])];
  const metBy = (manifests: Manifest[], dependent: Manifest, plugin: string, range: string): boolean =>
    manifests.some((manifest) => manifest !== dependent && meets(manifest, plugin, range));
  for (const { manifest: dependent } of others) {
    for (const spec of dependent.requires) {
      const { plugin, range } = parseRequirement(spec);
      if (!metBy(before, dependent, plugin, range) || metBy(after, dependent, plugin, range)) continue;
      const id = pluginId(dependent);
      return next
        ? `${id} requires ${spec}, which ${pluginId(next)} ${next.version} does not meet: update or uninstall ${id} first`
        : `${id} requires ${spec}: uninstall or disable ${id} first`;
    }
  }
  return null;
}
