// The plugin manifest (plugin.json): its types, the published JSON Schema, and parsing untrusted JSON
// into a complete, checked manifest whose problems each name the JSON path they are about.

import { isIP } from 'node:net';
import { Ajv, type ErrorObject, type Format, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import draft06MetaSchema from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' };
import { CronPattern } from 'croner';
import semver from 'semver';
import schema from './manifest.schema.json' with { type: 'json' };

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** The published JSON Schema of plugin.json (draft-07). */
// (TypeScript types mixed-shape arrays in the JSON with optional `undefined` members; it is plain JSON.)
export const manifestSchema: Readonly<JsonObject> = schema as unknown as JsonObject;

/** The `$id` of {@link manifestSchema}; put it in a plugin.json's `$schema` for editor support. */
export const MANIFEST_SCHEMA_ID = schema.$id;

/** Every permission a plugin can ask for, in the order they are documented. */
export const permissionNames = [
  'read',
  'write',
  'storage',
  'network',
  'call-plugins',
  'monitor',
  'full-drive-access',
  'extended-fuel',
  'extended-memory',
  'custom-view',
] as const;

/** The name of a permission. */
export type PermissionName = (typeof permissionNames)[number];

/** One requested permission. */
export interface Permission {
  name: PermissionName;
  /** Why the plugin needs it; shown to whoever installs the plugin. */
  reason: string;
  /** Only for `network`: host names (`api.example.com`) or subdomain patterns (`*.example.com`). */
  hosts?: string[];
}

/** The sandbox kinds a plugin can run in. */
export const runtimeKinds = ['wasm', 'js', 'process'] as const;

/** How a plugin runs. */
export type RuntimeKind = (typeof runtimeKinds)[number];

/** The HTTP methods an endpoint can declare. */
export const httpMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** An HTTP method an endpoint can declare. */
export type HttpMethod = (typeof httpMethods)[number];

/** One HTTP endpoint, served through the `handle_request` export. */
export interface EndpointDeclaration {
  /** Relative (`search`, under `/plugins/{namespace}/{name}/`) or a top-level absolute path (`/sparql`). */
  path: string;
  methods: HttpMethod[];
  description?: string;
}

/** One timer, served through the `on_schedule` export. Exactly one of `every` and `cron` is set. */
export interface ScheduleDeclaration {
  name: string;
  /** An interval such as `30s`, `5m`, `1h`, `1d`; see {@link durationMs}. */
  every?: string;
  /** A 5- or 6-field cron expression or a nickname such as `@hourly`, evaluated in UTC. */
  cron?: string;
}

/** Which resources a resource hook fires for. */
export interface ClassFilter {
  /** Class URLs matched against the resource's `isA`; absent means every resource. */
  classes?: string[];
}

/** Which served resources on_resource_get fires for. */
export interface ResourceGetFilter extends ClassFilter {
  /** Only resources with a string value (or array item) starting with this text. */
  withValuePrefix?: string;
}

/** The hooks a plugin declares; each needs the export named in {@link hookExports}. */
export interface HookDeclarations {
  endpoints?: EndpointDeclaration[];
  schedules?: ScheduleDeclaration[];
  beforeCommit?: ClassFilter;
  afterCommit?: ClassFilter;
  onResourceGet?: ResourceGetFilter;
  pluginEvents?: boolean;
}

/** An interface the plugin implements for other plugins' `call_plugin`. */
export interface ProvidedInterface {
  /** `namespace/name`, e.g. `atomic/search`. */
  name: string;
  /** The implemented version, matched against callers' semver ranges. */
  version: string;
  /** The exports callers may call. */
  functions: string[];
}

/** Per-call limits a manifest asks for; see {@link effectiveLimits} for what applies. */
export interface PluginLimits {
  timeoutMs?: number;
  fuel?: number;
  memoryMb?: number;
}

/** What a package's `ui.js` renders in the dashboard (docs/plugins/views.md). */
export interface ViewDeclarations {
  /** Class URLs whose resources the view renders; absent or empty: none (a settings view only). */
  classes?: string[];
  /** True when `ui.js` also renders the plugin's settings page. */
  settings?: boolean;
}

/** The limits a plugin's calls actually run under. */
export type EffectiveLimits = Required<PluginLimits>;

/**
 * A checked plugin.json with every default filled in (see {@link parseManifest}). atomic-server's
 * `permission` key is read as `name`; `$schema` is dropped.
 */
export interface PluginManifest {
  name: string;
  namespace: string;
  /** A semantic version. */
  version: string;
  description?: string;
  author?: string;
  /** The requested permissions, in manifest order (empty when none). */
  permissions: Permission[];
  /** The starting config (`{}` when absent); valid against `configSchema`. */
  defaultConfig: JsonObject;
  configSchema?: JsonObject;
  /** `wasm` when absent. */
  runtime: RuntimeKind;
  /** The package file with the code: `plugin.wasm` / `plugin.js` by default, required for `process`. */
  entry: string;
  hooks: HookDeclarations;
  provides: ProvidedInterface[];
  /** Dependencies as `namespace/name@range`; see {@link parseRequirement}. */
  requires: string[];
  /** The limits as declared (empty when none); see {@link effectiveLimits}. */
  limits: PluginLimits;
  /**
   * process runtime: more package files the plugin reads at run time, as package path → where
   * `build` takes the file from (a path relative to the plugin folder, or `package/file` of an
   * installed npm package). Empty when none.
   */
  files: Record<string, string>;
  /** What `ui.js` renders; absent when the plugin has no views. Needs `custom-view`. */
  views?: ViewDeclarations;
}

/** A manifest that does not pass: every problem is `"/json/pointer: what is wrong"`. */
export class ManifestError extends Error {
  readonly code = 'INVALID_MANIFEST';
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid plugin manifest: ${problems.join('; ')}`);
    this.name = 'ManifestError';
    this.problems = problems;
  }
}

/** The export each declared hook needs (docs/plugins/abi.md). */
export const hookExports = {
  endpoints: 'handle_request',
  beforeCommit: 'before_commit',
  afterCommit: 'after_commit',
  onResourceGet: 'on_resource_get',
  schedules: 'on_schedule',
  pluginEvents: 'on_plugin_event',
} as const satisfies Record<keyof HookDeclarations, string>;

/** Export names the ABI gives a meaning; `provides` may not reuse them. */
export const reservedExports: readonly string[] = ['init', ...Object.values(hookExports)];

/** The default, cap and extended cap of one limit, and the permission that extends it. */
export interface LimitRule {
  default: number;
  max: number;
  extendedMax: number;
  extendedBy: PermissionName;
}

/** The limits table of docs/plugins/abi.md. */
export const limitRules = {
  timeoutMs: { default: 1_000, max: 10_000, extendedMax: 60_000, extendedBy: 'extended-fuel' },
  fuel: { default: 100_000_000, max: 100_000_000, extendedMax: 1_000_000_000, extendedBy: 'extended-fuel' },
  memoryMb: { default: 32, max: 50, extendedMax: 2_048, extendedBy: 'extended-memory' },
} as const satisfies Record<keyof PluginLimits, LimitRule>;

/** The default code file per runtime (`process` has none: its manifest must name one). */
export const defaultEntries: Readonly<Record<RuntimeKind, string | undefined>> = {
  wasm: 'plugin.wasm',
  js: 'plugin.js',
  process: undefined,
};

/** Package files with a fixed meaning, which cannot be the entry. */
const RESERVED_FILES = new Set(['plugin.json', 'signature.json', 'ui.js', 'ui.css']);

// One compiled validator for the manifest schema, built on first use.
let manifestValidator: ValidateFunction | undefined;

function validateAgainstSchema(json: unknown): string[] {
  if (!manifestValidator) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strictTypes: false, logger: false });
    // Annotations read by editors (VS Code) and by formatErrors below.
    ajv.addKeyword({ keyword: 'patternErrorMessage', schemaType: 'string' });
    ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
    manifestValidator = ajv.compile(schema);
  }
  return manifestValidator(json) ? [] : formatErrors(manifestValidator.errors ?? []);
}

/**
 * Checks untrusted JSON (the parsed plugin.json) and returns the complete manifest, or throws a
 * {@link ManifestError} listing every problem: first what the JSON Schema finds, then (once the
 * shape is right) what it cannot express: semver ranges, defaultConfig against configSchema, limits
 * against the permissions, cron expressions, duplicates.
 *
 * @example
 * const manifest = parseManifest(JSON.parse(readFileSync('plugin.json', 'utf8')));
 * pluginId(manifest); // "atomic/versioning"
 */
export function parseManifest(json: unknown): PluginManifest {
  const schemaProblems = validateAgainstSchema(json);
  if (schemaProblems.length > 0) throw new ManifestError(schemaProblems);
  // A copy, so that later changes to the caller's JSON cannot change a checked manifest.
  const manifest = normalize(structuredClone(json) as RawManifest);
  const problems = semanticProblems(manifest);
  if (problems.length > 0) throw new ManifestError(problems);
  return manifest;
}

// The JSON as the schema admits it, before defaults.
interface RawManifest extends Omit<PluginManifest, 'permissions' | 'defaultConfig' | 'runtime' | 'entry' | 'hooks' | 'provides' | 'requires' | 'limits' | 'files'> {
  $schema?: string;
  permissions?: Array<Omit<Permission, 'name'> & { name?: PermissionName; permission?: PermissionName }>;
  defaultConfig?: JsonObject;
  runtime?: RuntimeKind;
  entry?: string;
  hooks?: HookDeclarations;
  provides?: ProvidedInterface[];
  requires?: string[];
  limits?: PluginLimits;
  files?: Record<string, string>;
}

function normalize(raw: RawManifest): PluginManifest {
  const runtime = raw.runtime ?? 'wasm';
  // The schema requires an entry for process, the only runtime without a default.
  const entry = raw.entry ?? defaultEntries[runtime] ?? '';
  const manifest: PluginManifest = {
    name: raw.name,
    namespace: raw.namespace,
    version: raw.version,
    permissions: (raw.permissions ?? []).map(({ name, permission, reason, hosts }) => ({
      name: (name ?? permission) as PermissionName,
      reason,
      ...(hosts ? { hosts } : {}),
    })),
    defaultConfig: raw.defaultConfig ?? {},
    runtime,
    entry,
    hooks: raw.hooks ?? {},
    provides: raw.provides ?? [],
    requires: raw.requires ?? [],
    limits: raw.limits ?? {},
    files: raw.files ?? {},
  };
  if (raw.description !== undefined) manifest.description = raw.description;
  if (raw.author !== undefined) manifest.author = raw.author;
  if (raw.configSchema !== undefined) manifest.configSchema = raw.configSchema;
  if (raw.views !== undefined) manifest.views = raw.views;
  return manifest;
}

function semanticProblems(manifest: PluginManifest): string[] {
  const problems: string[] = [];
  const id = pluginId(manifest);

  const seenPermissions = new Map<PermissionName, number>();
  manifest.permissions.forEach((permission, i) => {
    const first = seenPermissions.get(permission.name);
    if (first !== undefined) problems.push(`/permissions/${i}: "${permission.name}" is already requested by /permissions/${first}`);
    else seenPermissions.set(permission.name, i);
  });

  if (RESERVED_FILES.has(manifest.entry)) {
    problems.push(`/entry: "${manifest.entry}" has a fixed meaning in a package; name the code file differently`);
  } else if (manifest.runtime === 'wasm' && !manifest.entry.endsWith('.wasm')) {
    problems.push(`/entry: the wasm runtime loads a WebAssembly module; "${manifest.entry}" should end in .wasm`);
  } else if (manifest.runtime === 'js' && !/\.[cm]?js$/.test(manifest.entry)) {
    problems.push(`/entry: the js runtime loads a JavaScript bundle; "${manifest.entry}" should end in .js`);
  }
  // Only a process reads files from its package; the other runtimes get assets/ through the host.
  const listed = Object.keys(manifest.files);
  if (listed.length > 0 && manifest.runtime !== 'process') problems.push(`/files: only process plugins read files from their package; ${manifest.runtime} plugins ship data under assets/`);
  for (const path of listed) {
    if (path === manifest.entry) problems.push(`/files/${path}: "${path}" is the entry, which build writes itself`);
    else if (RESERVED_FILES.has(path)) problems.push(`/files/${path}: "${path}" has a fixed meaning in a package`);
  }
  // A process cannot be metered: refuse a budget it would silently ignore (the deadline applies).
  if (manifest.runtime === 'process' && manifest.limits.fuel !== undefined) {
    problems.push('/limits/fuel: the process runtime has no instruction budget; drop it (timeoutMs applies)');
  }

  if (manifest.views && !seenPermissions.has('custom-view')) {
    problems.push('/views: a plugin with views needs the custom-view permission; add { "name": "custom-view", "reason": "..." } to permissions');
  }
  if (manifest.views && !manifest.views.settings && (manifest.views.classes ?? []).length === 0) {
    problems.push('/views: declares nothing to render; list "classes" or set "settings": true');
  }

  problems.push(...configSchemaProblems(manifest));
  problems.push(...limitProblems(manifest));

  const endpointKeys = new Map<string, number>();
  manifest.hooks.endpoints?.forEach((endpoint, i) => {
    if (endpoint.path === '/plugins' || endpoint.path.startsWith('/plugins/')) {
      problems.push(
        `/hooks/endpoints/${i}/path: top-level paths under /plugins are reserved; use a relative path (e.g. "${endpoint.path.split('/').pop() ?? 'api'}") to be served under /plugins/${id}/`,
      );
    }
    const path = endpointPath(manifest, endpoint);
    for (const method of endpoint.methods) {
      const key = `${method} ${path}`;
      const first = endpointKeys.get(key);
      if (first !== undefined && first !== i) problems.push(`/hooks/endpoints/${i}: ${key} is already declared by /hooks/endpoints/${first}`);
      else endpointKeys.set(key, i);
    }
  });

  const scheduleNames = new Map<string, number>();
  manifest.hooks.schedules?.forEach((schedule, i) => {
    const first = scheduleNames.get(schedule.name);
    if (first !== undefined) problems.push(`/hooks/schedules/${i}/name: "${schedule.name}" is already used by /hooks/schedules/${first}`);
    else scheduleNames.set(schedule.name, i);
    if (schedule.cron !== undefined) {
      try {
        new CronPattern(schedule.cron, 'UTC');
      } catch (error) {
        const detail = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
        problems.push(`/hooks/schedules/${i}/cron: is not a valid cron expression: ${detail}`);
      }
    }
  });

  const providedNames = new Map<string, number>();
  manifest.provides.forEach((provided, i) => {
    const first = providedNames.get(provided.name);
    if (first !== undefined) problems.push(`/provides/${i}/name: "${provided.name}" is already provided by /provides/${first}`);
    else providedNames.set(provided.name, i);
    provided.functions.forEach((fn, j) => {
      if (reservedExports.includes(fn)) problems.push(`/provides/${i}/functions/${j}: "${fn}" is a hook export of the plugin ABI; give the function another name`);
    });
  });

  const required = new Map<string, number>();
  manifest.requires.forEach((spec, i) => {
    const { plugin, range } = parseRequirement(spec);
    if (semver.validRange(range) === null) problems.push(`/requires/${i}: "${range}" is not a valid semver range (e.g. "^1.2.0", ">=2 <4", "*")`);
    if (plugin === id) problems.push(`/requires/${i}: a plugin cannot require itself`);
    const first = required.get(plugin);
    if (first !== undefined) problems.push(`/requires/${i}: ${plugin} is already required by /requires/${first}; combine the ranges`);
    else required.set(plugin, i);
  });

  return problems;
}

function limitProblems(manifest: PluginManifest): string[] {
  const problems: string[] = [];
  const granted = new Set(manifest.permissions.map((p) => p.name));
  for (const key of Object.keys(limitRules) as Array<keyof PluginLimits>) {
    const value = manifest.limits[key];
    const rule = limitRules[key];
    if (value === undefined || granted.has(rule.extendedBy) || value <= rule.max) continue;
    problems.push(
      `/limits/${key}: ${value} is above the maximum of ${rule.max}; request the ${rule.extendedBy} permission to allow up to ${rule.extendedMax}`,
    );
  }
  return problems;
}

function configSchemaProblems(manifest: PluginManifest): string[] {
  if (manifest.configSchema === undefined) return [];
  const compiled = compileConfigSchema(manifest.configSchema);
  if (!compiled.validate) return compiled.problems;
  return compiled.validate(manifest.defaultConfig) ? [] : formatErrors(compiled.validate.errors ?? [], '/defaultConfig');
}

/**
 * Checks a plugin config against the manifest's `configSchema` (any JSON object passes when it has
 * none). Returns the problems as `"/pointer: what is wrong"`, empty when the config is valid.
 */
export function validateConfig(manifest: Pick<PluginManifest, 'configSchema'>, config: unknown): string[] {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return ['/: the config must be a JSON object'];
  if (manifest.configSchema === undefined) return [];
  const compiled = compileConfigSchema(manifest.configSchema);
  if (!compiled.validate) return compiled.problems;
  return compiled.validate(config) ? [] : formatErrors(compiled.validate.errors ?? []);
}

// Config schemas are authors' schemas: any draft ajv knows, unknown keywords tolerated, a few
// common formats checked (ajv-formats is not a dependency; unknown formats are ignored).
const configFormats: Record<string, Format> = {
  'date-time': (s: string) => /^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(?:\.\d+)?(?:[Zz]|[+-]\d\d:\d\d)$/.test(s) && !Number.isNaN(Date.parse(s)),
  date: (s: string) => /^\d{4}-\d\d-\d\d$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)),
  time: /^\d\d:\d\d:\d\d(?:\.\d+)?(?:[Zz]|[+-]\d\d:\d\d)?$/,
  email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  uri: (s: string) => /^[A-Za-z][A-Za-z0-9+.-]*:/.test(s) && URL.canParse(s),
  'uri-reference': (s: string) => URL.canParse(s, 'http://base.invalid/'),
  hostname: /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/,
  ipv4: (s: string) => isIP(s) === 4,
  ipv6: (s: string) => isIP(s) === 6,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  regex: (s: string) => {
    try {
      new RegExp(s, 'u');
      return true;
    } catch {
      return false;
    }
  },
};

type ConfigAjv = Ajv | Ajv2019 | Ajv2020;
const configAjvs = new Map<'draft-07' | '2019-09' | '2020-12', ConfigAjv>();

function configAjv(draft: 'draft-07' | '2019-09' | '2020-12'): ConfigAjv {
  let ajv = configAjvs.get(draft);
  if (!ajv) {
    const options = { allErrors: true, verbose: true, strict: false, logger: false as const, formats: configFormats };
    if (draft === '2020-12') ajv = new Ajv2020(options);
    else if (draft === '2019-09') ajv = new Ajv2019(options);
    else {
      ajv = new Ajv(options);
      ajv.addMetaSchema(draft06MetaSchema);
    }
    configAjvs.set(draft, ajv);
  }
  return ajv;
}

interface CompiledConfigSchema {
  validate?: ValidateFunction;
  problems: string[];
}

// Keyed by the schema object, so a manifest's schema is compiled once however often its configs
// are checked.
const compiledConfigSchemas = new WeakMap<object, CompiledConfigSchema>();

function compileConfigSchema(configSchema: JsonObject): CompiledConfigSchema {
  const cached = compiledConfigSchemas.get(configSchema);
  if (cached) return cached;
  const result = compileConfigSchemaUncached(configSchema);
  compiledConfigSchemas.set(configSchema, result);
  return result;
}

function compileConfigSchemaUncached(configSchema: JsonObject): CompiledConfigSchema {
  const declared = configSchema.$schema;
  let draft: 'draft-07' | '2019-09' | '2020-12';
  if (declared === undefined || (typeof declared === 'string' && /draft-0[67]\/schema#?$/.test(declared))) draft = 'draft-07';
  else if (typeof declared === 'string' && declared.includes('/2019-09/')) draft = '2019-09';
  else if (typeof declared === 'string' && declared.includes('/2020-12/')) draft = '2020-12';
  else {
    return {
      problems: [`/configSchema/$schema: ${JSON.stringify(declared)} is not a JSON Schema version this host knows; use draft-07, 2019-09 or 2020-12`],
    };
  }
  const ajv = configAjv(draft);
  if (!ajv.validateSchema(configSchema)) return { problems: formatErrors(ajv.errors ?? [], '/configSchema') };
  try {
    return { validate: ajv.compile(configSchema), problems: [] };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { problems: [`/configSchema: cannot be compiled: ${detail}`] };
  } finally {
    // Forget the schema (and its $id) so two plugins may use the same $id and memory stays flat.
    ajv.removeSchema(configSchema);
  }
}

/** `namespace/name`: how hosts, registries and `call_plugin` name a plugin. */
export function pluginId(manifest: Pick<PluginManifest, 'namespace' | 'name'>): string {
  return `${manifest.namespace}/${manifest.name}`;
}

/**
 * The exports a module must have for the hooks and functions its manifest declares, in a stable
 * order (hooks first, then provided functions). `init` is optional and never listed.
 */
export function requiredExports(manifest: Pick<PluginManifest, 'hooks' | 'provides'>): string[] {
  const exports = new Set<string>();
  const { hooks } = manifest;
  if (hooks.endpoints && hooks.endpoints.length > 0) exports.add(hookExports.endpoints);
  if (hooks.beforeCommit) exports.add(hookExports.beforeCommit);
  if (hooks.afterCommit) exports.add(hookExports.afterCommit);
  if (hooks.onResourceGet) exports.add(hookExports.onResourceGet);
  if (hooks.schedules && hooks.schedules.length > 0) exports.add(hookExports.schedules);
  if (hooks.pluginEvents) exports.add(hookExports.pluginEvents);
  for (const provided of manifest.provides) for (const fn of provided.functions) exports.add(fn);
  return [...exports];
}

/**
 * The limits a plugin's calls run under: each declared limit capped by what the permissions allow,
 * an undeclared one at its default, except that a plugin holding an `extended-*` permission gets
 * that permission's maximum for the limits it does not declare (as atomic-server does).
 * `granted` is the permissions actually granted at install; it defaults to the requested ones.
 */
export function effectiveLimits(manifest: Pick<PluginManifest, 'limits' | 'permissions'>, granted?: Iterable<PermissionName>): EffectiveLimits {
  const held = new Set(granted ?? manifest.permissions.map((p) => p.name));
  const pick = (key: keyof PluginLimits): number => {
    const rule = limitRules[key];
    const extended = held.has(rule.extendedBy);
    const declared = manifest.limits[key];
    if (declared === undefined) return extended ? rule.extendedMax : rule.default;
    return Math.min(declared, extended ? rule.extendedMax : rule.max);
  };
  return { timeoutMs: pick('timeoutMs'), fuel: pick('fuel'), memoryMb: pick('memoryMb') };
}

/** The URL path an endpoint is served at: relative paths under `/plugins/{namespace}/{name}/`. */
export function endpointPath(manifest: Pick<PluginManifest, 'namespace' | 'name'>, endpoint: Pick<EndpointDeclaration, 'path'>): string {
  return endpoint.path.startsWith('/') ? endpoint.path : `/plugins/${pluginId(manifest)}/${endpoint.path}`;
}

/** Splits a `requires` entry `namespace/name@range` (as the schema admits it) into its parts. */
export function parseRequirement(spec: string): { plugin: string; range: string } {
  const at = spec.indexOf('@');
  if (at < 0) throw new TypeError(`Invalid requirement: "${spec}" is not namespace/name@range`);
  return { plugin: spec.slice(0, at), range: spec.slice(at + 1) };
}

const DURATION_UNITS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds of a schedule's `every` (`"30s"`, `"5m"`, `"1h"`, `"1d"`). */
export function durationMs(every: string): number {
  const match = /^([1-9][0-9]{0,8})([smhd])$/.exec(every);
  if (!match) throw new TypeError(`Invalid duration: "${every}" is not a number followed by s, m, h or d`);
  return Number(match[1]) * DURATION_UNITS[match[2] as keyof typeof DURATION_UNITS];
}

// ajv's errors, reworded for people: one line per problem, led by the JSON pointer it is about.
function formatErrors(errors: readonly ErrorObject[], prefix = ''): string[] {
  // A failed oneOf/anyOf with its own errorMessage explains itself and its branches' failures are
  // noise; one without (in authors' config schemas) says less than its branches, so it is dropped.
  const combinators = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const explained = combinators.filter((c) => typeof (c.parentSchema as Record<string, unknown> | undefined)?.errorMessage === 'string');
  const lines = new Set<string>();
  for (const error of errors) {
    if (error.keyword === 'if') continue;
    const inBranch = explained.some(
      (c) => c !== error && error.instancePath === c.instancePath && error.schemaPath.startsWith(`${c.schemaPath}/`),
    );
    if (inBranch) continue;
    const unexplained =
      combinators.includes(error) &&
      !explained.includes(error) &&
      errors.some((other) => other !== error && !combinators.includes(other) && `${other.instancePath}/`.startsWith(`${error.instancePath}/`));
    if (unexplained) continue;
    lines.add(formatError(error, prefix));
  }
  return [...lines];
}

function formatError(error: ErrorObject, prefix: string): string {
  const at = (pointer: string) => pointer || '/';
  const path = prefix + error.instancePath;
  const params = error.params as Record<string, unknown>;
  const parent = error.parentSchema as Record<string, unknown> | undefined;
  switch (error.keyword) {
    case 'required':
      return `${path}/${escapePointer(String(params.missingProperty))}: is required`;
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const known = Object.keys((parent?.properties as Record<string, unknown> | undefined) ?? {});
      const guess = closest(field, known);
      return `${path}/${escapePointer(field)}: is not a known field${guess ? ` (did you mean "${guess}"?)` : known.length > 0 ? ` (known: ${known.join(', ')})` : ''}`;
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return `${at(path)}: must be one of ${allowed}${error.data === undefined ? '' : `, not ${preview(error.data)}`}`;
    }
    case 'type': {
      const type = String(params.type);
      const article = /^[aeiou]/.test(type) ? 'an' : 'a';
      return `${at(path)}: must be ${article} ${type.replaceAll(',', ' or ')}`;
    }
    case 'pattern':
      return `${at(path)}: ${typeof parent?.patternErrorMessage === 'string' ? parent.patternErrorMessage : `must match the pattern ${String(params.pattern)}`}`;
    case 'oneOf':
    case 'anyOf':
    case 'not':
      return `${at(path)}: ${typeof parent?.errorMessage === 'string' ? parent.errorMessage : (error.message ?? 'is invalid')}`;
    case 'minLength':
      return `${at(path)}: ${params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters long`}`;
    case 'maxLength':
      return `${at(path)}: must be at most ${String(params.limit)} characters long`;
    case 'minItems':
      return `${at(path)}: must list at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`;
    case 'maxItems':
      return `${at(path)}: must list at most ${String(params.limit)} items`;
    case 'uniqueItems':
      return `${at(path)}: lists the same item twice (items ${String(params.j)} and ${String(params.i)})`;
    case 'minimum':
    case 'maximum':
      return `${at(path)}: must be ${error.keyword === 'minimum' ? 'at least' : 'at most'} ${String(params.limit)}`;
    default:
      return `${at(path)}: ${error.message ?? 'is invalid'}`;
  }
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

// The known field closest to a mistyped one (case-insensitive, at most two edits), if any.
function closest(field: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(field.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
