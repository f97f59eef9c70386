// `atomic-plugin new`: a plugin project from templates/<runtime>/ (see templates/README.md). The
// answers (from flags or prompts) become a plugin.json checked by the server's manifest parser, a
// source file with one working example per chosen hook, and the project files around it.

import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { MANIFEST_SCHEMA_ID, ManifestError, parseManifest, permissionNames, runtimeKinds, type RuntimeKind } from '../../server/plugins/manifest.js';
import { packageRoot } from './assemblyscript.js';
import { CliError } from './errors.js';
import type { JsonValue } from './output.js';

/** The hooks `new` can put in a project, in the order they are offered. */
export const scaffoldHooks = ['endpoint', 'before-commit', 'after-commit', 'on-resource-get', 'schedule', 'plugin-events'] as const;

/** One of {@link scaffoldHooks}. */
export type ScaffoldHook = (typeof scaffoldHooks)[number];

/** A permission asked for, with the reason shown at install. */
export interface PermissionRequest {
  name: string;
  reason: string;
}

/** Everything `new` needs to know, after flags and prompts. */
export interface ScaffoldAnswers {
  name: string;
  namespace: string;
  description: string;
  runtime: RuntimeKind;
  hooks: ScaffoldHook[];
  permissions: PermissionRequest[];
}

/** What `new` made (its `--json` output). */
export interface ScaffoldResult {
  dir: string;
  plugin: string;
  runtime: RuntimeKind;
  hooks: ScaffoldHook[];
  /** The files written, relative to `dir`. */
  files: string[];
}

interface HookTemplate {
  title: string;
  imports: string[];
  /** The ABI exports the example defines, for templates whose tail lists them (process). */
  exports?: string[];
  manifest: { [key: string]: JsonValue };
}

interface TemplateSpec {
  runtime: RuntimeKind;
  description: string;
  source: string;
  /** The manifest's `entry`, for runtimes without a default one (process). */
  entry?: string;
  /** A file appended after the hook examples (process: the `definePlugin` call). */
  tail?: string;
  /** What the head's source imports from the SDK whatever the hooks. */
  baseImports: string[];
  defaultConfig: { [key: string]: JsonValue };
  configSchema: { [key: string]: JsonValue };
  hooks: Record<ScaffoldHook, HookTemplate>;
}

const templatesDir = join(packageRoot, 'templates');
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Why a name or namespace is not a slug, or `true` (the shape inquirer's `validate` wants). */
export function checkSlug(value: string): true | string {
  if (value.length === 0) return 'give a name';
  if (value.length > 64) return 'at most 64 characters';
  return SLUG.test(value) ? true : 'lowercase letters, digits and single dashes, e.g. "hello-world"';
}

/** The runtimes that have a template folder (all of them: a missing one is a packaging bug). */
export function availableRuntimes(): RuntimeKind[] {
  return runtimeKinds.filter((r) => existsSync(join(templatesDir, r, 'template.json')));
}

/** The hook titles of a runtime's template, for prompts. */
export function hookChoices(runtime: RuntimeKind): { value: ScaffoldHook; name: string }[] {
  const spec = readTemplate(runtime);
  return scaffoldHooks.map((hook) => ({ value: hook, name: spec.hooks[hook].title }));
}

function readTemplate(runtime: RuntimeKind): TemplateSpec {
  const path = join(templatesDir, runtime, 'template.json');
  return JSON.parse(readFileSync(path, 'utf8')) as TemplateSpec;
}

/** Parses `--hooks endpoint,schedule`; unknown names are INVALID_INPUT. */
export function parseHooks(values: string[]): ScaffoldHook[] {
  const names = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(scaffoldHooks as readonly string[]).includes(n));
  if (unknown.length > 0) throw new CliError('INVALID_INPUT', `Unknown hook ${unknown.join(', ')}`, [`choose from ${scaffoldHooks.join(', ')}`]);
  return scaffoldHooks.filter((h) => names.includes(h));
}

/** Parses `--permission name:reason` (repeatable). */
export function parsePermissions(values: string[]): PermissionRequest[] {
  return values.map((value) => {
    const at = value.indexOf(':');
    const name = (at < 0 ? value : value.slice(0, at)).trim();
    const reason = at < 0 ? '' : value.slice(at + 1).trim();
    if (!(permissionNames as readonly string[]).includes(name)) {
      throw new CliError('INVALID_INPUT', `Unknown permission "${name}"`, [`choose from ${permissionNames.join(', ')}`]);
    }
    if (name === 'network') {
      throw new CliError('INVALID_INPUT', 'The network permission needs a list of hosts, which `new` does not ask for', [
        'add it to plugin.json by hand: { "name": "network", "reason": "…", "hosts": ["api.example.com"] }',
      ]);
    }
    if (reason === '') throw new CliError('INVALID_INPUT', `--permission ${name} needs a reason: --permission "${name}:why the plugin needs it"`);
    return { name, reason };
  });
}

/** Refuses a target that exists and is not an empty folder. */
export function checkTarget(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new CliError('FOLDER_NOT_EMPTY', `${dir} exists and is a file`, ['choose another name or folder']);
  if (readdirSync(dir).length > 0) {
    throw new CliError('FOLDER_NOT_EMPTY', `${dir} is not empty; nothing was written`, ['choose another name, or another folder with --dir']);
  }
}

function substitute(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole);
}

function templateFiles(dir: string, root = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? templateFiles(path, root) : [relative(root, path)];
  });
}

/** The plugin.json for the answers, checked with the server's parser (a template bug fails here, not at install). */
export function scaffoldManifest(answers: ScaffoldAnswers, spec: Pick<TemplateSpec, 'defaultConfig' | 'configSchema' | 'hooks' | 'entry'>): { [key: string]: JsonValue } {
  const hooks: { [key: string]: JsonValue } = {};
  for (const hook of answers.hooks) Object.assign(hooks, structuredClone(spec.hooks[hook].manifest));
  const manifest: { [key: string]: JsonValue } = {
    $schema: MANIFEST_SCHEMA_ID,
    name: answers.name,
    namespace: answers.namespace,
    version: '0.1.0',
    description: answers.description,
    runtime: answers.runtime,
    ...(spec.entry === undefined ? {} : { entry: spec.entry }),
    permissions: answers.permissions.map((p) => ({ name: p.name, reason: p.reason })),
    defaultConfig: spec.defaultConfig,
    configSchema: spec.configSchema,
    hooks,
  };
  try {
    parseManifest(manifest);
  } catch (error) {
    if (error instanceof ManifestError) throw new CliError('INVALID_INPUT', `The answers do not make a valid plugin.json: ${error.problems.join('; ')}`);
    throw error;
  }
  return manifest;
}

/** Writes the project into `dir` (which must not exist or be empty). */
export function scaffold(dir: string, answers: ScaffoldAnswers): ScaffoldResult {
  const target = resolve(dir);
  checkTarget(target);
  const spec = readTemplate(answers.runtime);
  const manifest = scaffoldManifest(answers, spec);
  const version = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const values: Record<string, string> = {
    name: answers.name,
    namespace: answers.namespace,
    // Kept to one line, and without characters that would break the JSON or comments it lands in.
    description: answers.description.replace(/[\r\n"\\]+/g, ' '),
    packageName: `${answers.namespace}-${answers.name}`,
    atomicPluginVersion: version,
    atomicPluginDependency: atomicPluginDependency(version),
    hookList: answers.hooks.length > 0 ? answers.hooks.map((h) => `- ${spec.hooks[h].title}`).join('\n') : '- none yet: add them to plugin.json and index.ts',
  };

  const files = new Map<string, string>();
  files.set('plugin.json', `${JSON.stringify(manifest, null, 2)}\n`);
  // The source: the head, then one example per hook; imports are the union of what they use.
  const runtimeDir = join(templatesDir, answers.runtime);
  const imports = new Set(spec.baseImports);
  for (const hook of answers.hooks) for (const name of spec.hooks[hook].imports) imports.add(name);
  // Sorted by name, `type` imports among the others, as an editor's "organize imports" would.
  const importList = [...imports].sort((a, b) => a.replace(/^type /, '').localeCompare(b.replace(/^type /, ''))).map((name) => `  ${name},`).join('\n');
  let source = substitute(readFileSync(join(runtimeDir, 'index.head.ts'), 'utf8'), { ...values, imports: importList });
  for (const hook of answers.hooks) source += substitute(readFileSync(join(runtimeDir, 'hooks', `${hook}.ts`), 'utf8'), values);
  if (spec.tail !== undefined) {
    const exportNames = ['init', ...answers.hooks.flatMap((hook) => spec.hooks[hook].exports ?? [])].map((name) => `    ${name}: hook(${name}),`).join('\n');
    source += substitute(readFileSync(join(runtimeDir, spec.tail), 'utf8'), { ...values, exportNames });
  }
  files.set(spec.source, source);
  // The files every runtime's project has (its test, the CI workflow, a conformance fixture), then the runtime's own.
  // Then what a chosen hook brings besides its source (the endpoint's conformance fixture).
  const hookFiles = answers.hooks.map((hook) => join(templatesDir, 'common', 'hook-files', hook)).filter((dir) => existsSync(dir));
  for (const filesDir of [join(templatesDir, 'common', 'files'), join(runtimeDir, 'files'), ...hookFiles]) {
    for (const file of templateFiles(filesDir)) {
      const out = file
        .split(/[\\/]/)
        .map((segment) => (segment.startsWith('_') ? `.${segment.slice(1)}` : segment))
        .join('/');
      files.set(out, substitute(readFileSync(join(filesDir, file), 'utf8'), values));
    }
  }

  for (const [path, content] of files) {
    const full = join(target, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  return { dir: target, plugin: `${answers.namespace}/${answers.name}`, runtime: answers.runtime, hooks: answers.hooks, files: [...files.keys()].sort() };
}

/**
 * How the new project depends on atomic-plugin: the version range when this CLI was installed from
 * the registry, or a `file:` link to this checkout when it runs from a clone (where the package is
 * not published), so that `npm install` in the project works either way.
 */
export function atomicPluginDependency(version: string, root = packageRoot): string {
  return root.split(/[\\/]/).includes('node_modules') ? `^${version}` : `file:${root}`;
}

/** A default name for a plugin in `dir`: its folder name when that is a slug. */
export function defaultNameFor(dir: string | undefined): string | undefined {
  if (!dir) return undefined;
  const name = basename(resolve(dir));
  return checkSlug(name) === true ? name : undefined;
}
