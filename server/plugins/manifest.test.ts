// Unit tests for plugin.json parsing: valid and invalid manifests, defaults, limits, exports, config.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ManifestError,
  durationMs,
  effectiveLimits,
  endpointPath,
  manifestSchema,
  parseManifest,
  parseRequirement,
  permissionNames,
  pluginId,
  requiredExports,
  validateConfig,
  type PluginManifest,
} from './manifest.js';

const base = { name: 'demo', namespace: 'acme', version: '1.0.0' };

function problemsOf(json: unknown): string[] {
  try {
    parseManifest(json);
  } catch (error) {
    if (error instanceof ManifestError) return error.problems;
    throw error;
  }
  throw new Error('expected the manifest to be refused');
}

describe('parseManifest: valid manifests', () => {
  const valid: Array<[string, Record<string, unknown>]> = [
    ['the minimum', base],
    ['a pre-release version with build metadata', { ...base, version: '2.0.0-beta.1+build.5' }],
    ['atomic-server plugin.json (permission key, no runtime)', {
      ...base,
      description: 'Adds a **versions** property.',
      author: 'Someone',
      permissions: [{ permission: 'full-drive-access', reason: 'Reads every resource' }],
      defaultConfig: { enabled: true },
      configSchema: { type: 'object', properties: { enabled: { type: 'boolean' } } },
    }],
    ['every permission', {
      ...base,
      permissions: permissionNames.map((name) => (name === 'network' ? { name, reason: 'r', hosts: ['api.example.com', '*.example.org', 'localhost'] } : { name, reason: 'r' })),
    }],
    ['a process plugin', { ...base, runtime: 'process', entry: 'bin/server.mjs', anything: undefined }],
    ['a js plugin with a module entry', { ...base, runtime: 'js', entry: 'dist/plugin.mjs' }],
    ['endpoints: relative, absolute, percent-encoded, same path other method', {
      ...base,
      hooks: {
        endpoints: [
          { path: 'search', methods: ['GET'] },
          { path: 'search', methods: ['POST'], description: 'bulk' },
          { path: '/sparql', methods: ['GET', 'POST'] },
          { path: 'items/%7Bid%7D/export', methods: ['GET'] },
          { path: '/plugins-extra', methods: ['DELETE'] },
        ],
      },
    }],
    ['schedules: every and cron (5 and 6 fields, nickname)', {
      ...base,
      hooks: {
        schedules: [
          { name: 'tick', every: '10s' },
          { name: 'hourly', cron: '@hourly' },
          { name: 'five', cron: '*/5 * * * *' },
          { name: 'six', cron: '30 0 3 * * 1-5' },
        ],
      },
    }],
    ['resource hooks with and without classes', {
      ...base,
      hooks: { beforeCommit: {}, afterCommit: { classes: ['https://atomicdata.dev/classes/Document'] }, onResourceGet: { classes: ['http://localhost:9883/classes/Note'] }, pluginEvents: false },
    }],
    ['provides and requires', {
      ...base,
      provides: [{ name: 'acme/search', version: '1.4.0', functions: ['search', 'index_status'] }],
      requires: ['atomic/versioning@^1.0.0', 'acme/geo@>=2 <4', 'acme/any@*'],
    }],
    ['extended limits with the extended permissions', {
      ...base,
      permissions: [{ name: 'extended-fuel', reason: 'r' }, { name: 'extended-memory', reason: 'r' }],
      limits: { timeoutMs: 60_000, fuel: 1_000_000_000, memoryMb: 2048 },
    }],
    ['a 2020-12 config schema', {
      ...base,
      defaultConfig: { when: '2024-01-01T00:00:00Z' },
      configSchema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { when: { type: 'string', format: 'date-time' } }, $defs: {} },
    }],
    ['two plugins whose config schemas share an $id', {
      ...base,
      configSchema: { $id: 'https://example.com/config.json', type: 'object' },
    }],
    ['the $schema of this manifest', { $schema: manifestSchema.$id, ...base }],
  ];

  it.each(valid)('accepts %s', (_, json) => {
    const manifest = parseManifest(JSON.parse(JSON.stringify(json)));
    expect(pluginId(manifest)).toBe('acme/demo');
  });

  it('accepts the same $id twice', () => {
    const json = { ...base, configSchema: { $id: 'https://example.com/same.json', type: 'object' } };
    parseManifest(structuredClone(json));
    expect(() => parseManifest(structuredClone(json))).not.toThrow();
  });

  it('fills in the defaults and drops $schema', () => {
    const manifest = parseManifest({ $schema: manifestSchema.$id, ...base });
    expect(manifest).toEqual({
      ...base,
      permissions: [],
      defaultConfig: {},
      runtime: 'wasm',
      entry: 'plugin.wasm',
      hooks: {},
      provides: [],
      requires: [],
      limits: {},
      files: {},
    } satisfies PluginManifest);
    expect(parseManifest({ ...base, runtime: 'js' }).entry).toBe('plugin.js');
  });

  it('keeps the views of a plugin granted custom-view', () => {
    const views = { classes: ['https://atomicdata.dev/classes/Folder'], settings: true };
    const manifest = parseManifest({ ...base, permissions: [{ name: 'custom-view', reason: 'Shows folders' }], views });
    expect(manifest.views).toEqual(views);
    expect(parseManifest(base).views).toBeUndefined();
  });

  it("reads atomic-server's permission key as name", () => {
    const manifest = parseManifest({ ...base, permissions: [{ permission: 'storage', reason: 'Keeps state' }] });
    expect(manifest.permissions).toEqual([{ name: 'storage', reason: 'Keeps state' }]);
  });
});

describe('parseManifest: invalid manifests name the path', () => {
  const network = { name: 'network', reason: 'r', hosts: ['api.example.com'] };
  const invalid: Array<[string, unknown, string]> = [
    ['not an object', [base], '/: must be an object'],
    ['null', null, '/: must be an object'],
    ['no name', { namespace: 'acme', version: '1.0.0' }, '/name: is required'],
    ['no version', { name: 'demo', namespace: 'acme' }, '/version: is required'],
    ['an uppercase name', { ...base, name: 'Demo' }, '/name: must be a slug'],
    ['a namespace with a slash', { ...base, namespace: 'a/b' }, '/namespace: must be a slug'],
    ['a version with a v', { ...base, version: 'v1.0.0' }, '/version: must be a semantic version'],
    ['a two-part version', { ...base, version: '1.0' }, '/version: must be a semantic version'],
    ['a number as description', { ...base, description: 3 }, '/description: must be a string'],
    ['an unknown top-level field', { ...base, hook: {} }, '/hook: is not a known field (did you mean "hooks"?)'],
    ["atomic-server's network.origins", { ...base, network: { origins: ['https://x.org'] } }, '/network: is not a known field'],
    ['an unknown permission', { ...base, permissions: [{ name: 'root', reason: 'r' }] }, '/permissions/0/name: must be one of "read"'],
    ['views without custom-view', { ...base, views: { classes: ['https://atomicdata.dev/classes/Folder'] } }, '/views: a plugin with views needs the custom-view permission'],
    ['views that render nothing', { ...base, permissions: [{ name: 'custom-view', reason: 'r' }], views: { settings: false } }, '/views: declares nothing to render'],
    ['a view class that is no URL', { ...base, permissions: [{ name: 'custom-view', reason: 'r' }], views: { classes: ['Folder'] } }, '/views/classes/0: must be the http(s) URL of a class'],
    ['a permission without reason', { ...base, permissions: [{ name: 'read' }] }, '/permissions/0/reason: is required'],
    ['a blank reason', { ...base, permissions: [{ name: 'read', reason: '   ' }] }, '/permissions/0/reason: must say why'],
    ['an empty reason', { ...base, permissions: [{ name: 'read', reason: '' }] }, '/permissions/0/reason: must not be empty'],
    ['network without hosts', { ...base, permissions: [{ name: 'network', reason: 'r' }] }, '/permissions/0/hosts: is required'],
    ['hosts on read', { ...base, permissions: [{ name: 'read', reason: 'r', hosts: ['a.org'] }] }, '/permissions/0: "hosts" belongs only to the network permission'],
    ['a URL as host', { ...base, permissions: [{ ...network, hosts: ['https://api.example.com'] }] }, '/permissions/0/hosts/0: must be a lowercase host name'],
    ['a bare * host', { ...base, permissions: [{ ...network, hosts: ['*'] }] }, '/permissions/0/hosts/0: must be a lowercase host name'],
    ['a host with a port', { ...base, permissions: [{ ...network, hosts: ['localhost:8080'] }] }, '/permissions/0/hosts/0: must be a lowercase host name'],
    ['both name and permission', { ...base, permissions: [{ name: 'read', permission: 'read', reason: 'r' }] }, '/permissions/0: must have a "name"'],
    ['neither name nor permission', { ...base, permissions: [{ reason: 'r' }] }, '/permissions/0: must have a "name"'],
    ['a permission twice', { ...base, permissions: [{ name: 'read', reason: 'a' }, { permission: 'read', reason: 'b' }] }, '/permissions/1: "read" is already requested by /permissions/0'],
    ['an unknown runtime', { ...base, runtime: 'python' }, '/runtime: must be one of "wasm", "js", "process", not "python"'],
    ['a process plugin without entry', { ...base, runtime: 'process' }, '/entry: is required'],
    ['a process plugin with a fuel budget', { ...base, runtime: 'process', entry: 'plugin.mjs', limits: { fuel: 1000 } }, '/limits/fuel: the process runtime has no instruction budget'],
    ['a wasm entry that is JavaScript', { ...base, entry: 'plugin.js' }, '/entry: the wasm runtime loads a WebAssembly module'],
    ['a js entry that is wasm', { ...base, runtime: 'js', entry: 'plugin.wasm' }, '/entry: the js runtime loads a JavaScript bundle'],
    ['ui.js as entry', { ...base, runtime: 'js', entry: 'ui.js' }, '/entry: "ui.js" has a fixed meaning'],
    ['an entry outside the package', { ...base, entry: '../plugin.wasm' }, '/entry: must be a relative path inside the package'],
    ['an absolute entry', { ...base, entry: '/plugin.wasm' }, '/entry: must be a relative path inside the package'],
    ['an entry with a backslash', { ...base, entry: 'bin\\plugin.wasm' }, '/entry: must be a relative path inside the package'],
    ['an endpoint path with ..', { ...base, hooks: { endpoints: [{ path: '../admin', methods: ['GET'] }] } }, '/hooks/endpoints/0/path: must start with "/" or be relative'],
    ['an absolute endpoint path with ..', { ...base, hooks: { endpoints: [{ path: '/a/../commit', methods: ['GET'] }] } }, '/hooks/endpoints/0/path: must start with "/" or be relative'],
    ['an endpoint path with a query', { ...base, hooks: { endpoints: [{ path: '/sparql?x=1', methods: ['GET'] }] } }, '/hooks/endpoints/0/path: must start with "/" or be relative'],
    ['an endpoint path //', { ...base, hooks: { endpoints: [{ path: '//evil.com', methods: ['GET'] }] } }, '/hooks/endpoints/0/path: must start with "/" or be relative'],
    ['the root as endpoint', { ...base, hooks: { endpoints: [{ path: '/', methods: ['GET'] }] } }, '/hooks/endpoints/0/path: must start with "/" or be relative'],
    ['a trailing slash', { ...base, hooks: { endpoints: [{ path: 'search/', methods: ['GET'] }] } }, '/hooks/endpoints/0/path: must start with "/" or be relative'],
    ['a URL as endpoint path', { ...base, hooks: { endpoints: [{ path: 'http://x.org/a', methods: ['GET'] }] } }, '/hooks/endpoints/0/path: must start with "/" or be relative'],
    ['an endpoint under /plugins', { ...base, hooks: { endpoints: [{ path: '/plugins/other/x', methods: ['GET'] }] } }, '/hooks/endpoints/0/path: top-level paths under /plugins are reserved'],
    ['an unknown method', { ...base, hooks: { endpoints: [{ path: 'a', methods: ['FETCH'] }] } }, '/hooks/endpoints/0/methods/0: must be one of "GET"'],
    ['no methods', { ...base, hooks: { endpoints: [{ path: 'a', methods: [] }] } }, '/hooks/endpoints/0/methods: must list at least 1 item'],
    ['a method twice', { ...base, hooks: { endpoints: [{ path: 'a', methods: ['GET', 'GET'] }] } }, '/hooks/endpoints/0/methods: lists the same item twice'],
    ['no path', { ...base, hooks: { endpoints: [{ methods: ['GET'] }] } }, '/hooks/endpoints/0/path: is required'],
    ['an endpoint twice', { ...base, hooks: { endpoints: [{ path: 'a', methods: ['GET', 'POST'] }, { path: 'a', methods: ['POST'] }] } }, '/hooks/endpoints/1: POST /plugins/acme/demo/a is already declared by /hooks/endpoints/0'],
    ['every and cron', { ...base, hooks: { schedules: [{ name: 'x', every: '1m', cron: '* * * * *' }] } }, '/hooks/schedules/0: must have exactly one of "every" and "cron"'],
    ['neither every nor cron', { ...base, hooks: { schedules: [{ name: 'x' }] } }, '/hooks/schedules/0: must have exactly one of "every" and "cron"'],
    ['a spelled-out duration', { ...base, hooks: { schedules: [{ name: 'x', every: '10 minutes' }] } }, '/hooks/schedules/0/every: must be a duration'],
    ['a millisecond duration', { ...base, hooks: { schedules: [{ name: 'x', every: '500ms' }] } }, '/hooks/schedules/0/every: must be a duration'],
    ['a bad cron minute', { ...base, hooks: { schedules: [{ name: 'x', cron: '61 * * * *' }] } }, '/hooks/schedules/0/cron: is not a valid cron expression'],
    ['a cron with three fields', { ...base, hooks: { schedules: [{ name: 'x', cron: '* * *' }] } }, '/hooks/schedules/0/cron: is not a valid cron expression'],
    ['a schedule name twice', { ...base, hooks: { schedules: [{ name: 'x', every: '1m' }, { name: 'x', every: '2m' }] } }, '/hooks/schedules/1/name: "x" is already used by /hooks/schedules/0'],
    ['a class that is not a URL', { ...base, hooks: { beforeCommit: { classes: ['Document'] } } }, '/hooks/beforeCommit/classes/0: must be the http(s) URL of a class'],
    ['an empty class list', { ...base, hooks: { afterCommit: { classes: [] } } }, '/hooks/afterCommit/classes: must list at least 1 item'],
    ['a misspelt classes', { ...base, hooks: { onResourceGet: { class: ['https://a.org/c'] } } }, '/hooks/onResourceGet/class: is not a known field (did you mean "classes"?)'],
    ['an unknown hook', { ...base, hooks: { onDelete: {} } }, '/hooks/onDelete: is not a known field'],
    ['a non-boolean pluginEvents', { ...base, hooks: { pluginEvents: 'yes' } }, '/hooks/pluginEvents: must be a boolean'],
    ['a provided version that is not semver', { ...base, provides: [{ name: 'acme/s', version: '1', functions: ['f'] }] }, '/provides/0/version: must be a semantic version'],
    ['a provided name that is not namespace/name', { ...base, provides: [{ name: 'search', version: '1.0.0', functions: ['f'] }] }, '/provides/0/name: must be "namespace/name"'],
    ['a provided hook export', { ...base, provides: [{ name: 'acme/s', version: '1.0.0', functions: ['handle_request'] }] }, '/provides/0/functions/0: "handle_request" is a hook export'],
    ['a function name with a dash', { ...base, provides: [{ name: 'acme/s', version: '1.0.0', functions: ['do-it'] }] }, '/provides/0/functions/0: must be an export name'],
    ['an interface provided twice', { ...base, provides: [{ name: 'acme/s', version: '1.0.0', functions: ['f'] }, { name: 'acme/s', version: '2.0.0', functions: ['g'] }] }, '/provides/1/name: "acme/s" is already provided by /provides/0'],
    ['a requirement without range', { ...base, requires: ['atomic/search'] }, '/requires/0: must be "namespace/name@range"'],
    ['a requirement with a bad range', { ...base, requires: ['atomic/search@^^1'] }, '/requires/0: "^^1" is not a valid semver range'],
    ['a requirement on itself', { ...base, requires: ['acme/demo@^1'] }, '/requires/0: a plugin cannot require itself'],
    ['one dependency twice', { ...base, requires: ['a/b@^1', 'a/b@^2'] }, '/requires/1: a/b is already required by /requires/0'],
    ['fuel above the cap', { ...base, limits: { fuel: 500_000_000 } }, '/limits/fuel: 500000000 is above the maximum of 100000000; request the extended-fuel permission to allow up to 1000000000'],
    ['a timeout above the cap', { ...base, limits: { timeoutMs: 30_000 } }, '/limits/timeoutMs: 30000 is above the maximum of 10000; request the extended-fuel permission'],
    ['memory above the cap', { ...base, permissions: [{ name: 'extended-fuel', reason: 'r' }], limits: { memoryMb: 64 } }, '/limits/memoryMb: 64 is above the maximum of 50; request the extended-memory permission'],
    ['memory above the extended cap', { ...base, limits: { memoryMb: 4096 } }, '/limits/memoryMb: must be at most 2048'],
    ['a fractional timeout', { ...base, limits: { timeoutMs: 1.5 } }, '/limits/timeoutMs: must be an integer'],
    ['a zero fuel', { ...base, limits: { fuel: 0 } }, '/limits/fuel: must be at least 1'],
    ['an unknown limit', { ...base, limits: { cpu: 1 } }, '/limits/cpu: is not a known field'],
    ['a defaultConfig that is an array', { ...base, defaultConfig: [] }, '/defaultConfig: must be an object'],
    ['a defaultConfig the configSchema refuses', {
      ...base,
      defaultConfig: { interval: 'often' },
      configSchema: { type: 'object', properties: { interval: { type: 'integer' } } },
    }, '/defaultConfig/interval: must be an integer'],
    ['a defaultConfig missing a required field', {
      ...base,
      configSchema: { type: 'object', required: ['apiKey'] },
    }, '/defaultConfig/apiKey: is required'],
    ['a defaultConfig with a bad format', {
      ...base,
      defaultConfig: { endpoint: 'not a uri' },
      configSchema: { type: 'object', properties: { endpoint: { type: 'string', format: 'uri' } } },
    }, '/defaultConfig/endpoint: must match format "uri"'],
    ['a configSchema that is not a schema', { ...base, configSchema: { type: 'strnig' } }, '/configSchema/type'],
    ['a configSchema of draft-04', { ...base, configSchema: { $schema: 'http://json-schema.org/draft-04/schema#' } }, '/configSchema/$schema: "http://json-schema.org/draft-04/schema#" is not a JSON Schema version this host knows'],
    ['files on a wasm plugin', { ...base, files: { 'data.bin': './data.bin' } }, '/files: only process plugins read files from their package'],
    ['a listed file named like the entry', { ...base, runtime: 'process', entry: 'plugin.mjs', files: { 'plugin.mjs': './x.mjs' } }, '/files/plugin.mjs: "plugin.mjs" is the entry'],
    ['a listed file at an unsafe path', { ...base, runtime: 'process', entry: 'plugin.mjs', files: { '../x.wasm': 'lib/x.wasm' } }, '/files: '],
    ['a configSchema with a dangling $ref', { ...base, configSchema: { $ref: '#/definitions/missing' } }, '/configSchema: cannot be compiled'],
  ];

  it.each(invalid)('refuses %s', (_, json, expected) => {
    const problems = problemsOf(json);
    expect(problems.join('\n')).toContain(expected);
    for (const problem of problems) expect(problem).toMatch(/^\/\S*: /);
  });

  it('reports every schema problem at once, and the message lists them', () => {
    const error = (() => {
      try {
        parseManifest({ name: 'X', version: '1', runtime: 'rust' });
      } catch (e) {
        return e as ManifestError;
      }
      throw new Error('expected a ManifestError');
    })();
    expect(error).toBeInstanceOf(ManifestError);
    expect(error.code).toBe('INVALID_MANIFEST');
    expect(error.problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('/namespace: is required'),
        expect.stringContaining('/name: must be a slug'),
        expect.stringContaining('/version: must be a semantic version'),
        expect.stringContaining('/runtime: must be one of'),
      ]),
    );
    expect(error.message).toMatch(/^Invalid plugin manifest: /);
    expect(error.message).toContain('/namespace: is required');
  });
});

describe('effectiveLimits', () => {
  const manifest = (extra: Record<string, unknown>) => parseManifest({ ...base, ...extra });

  it('uses the defaults of abi.md', () => {
    expect(effectiveLimits(manifest({}))).toEqual({ timeoutMs: 1_000, fuel: 100_000_000, memoryMb: 32 });
  });

  it('uses declared limits within the caps', () => {
    expect(effectiveLimits(manifest({ limits: { timeoutMs: 5_000, fuel: 1_000, memoryMb: 50 } }))).toEqual({ timeoutMs: 5_000, fuel: 1_000, memoryMb: 50 });
  });

  it('gives the extended maximum when an extended permission is held and nothing is declared', () => {
    const m = manifest({ permissions: [{ name: 'extended-fuel', reason: 'r' }, { name: 'extended-memory', reason: 'r' }] });
    expect(effectiveLimits(m)).toEqual({ timeoutMs: 60_000, fuel: 1_000_000_000, memoryMb: 2_048 });
  });

  it('caps by the permissions actually granted', () => {
    const m = manifest({
      permissions: [{ name: 'extended-fuel', reason: 'r' }, { name: 'extended-memory', reason: 'r' }],
      limits: { timeoutMs: 30_000, fuel: 400_000_000, memoryMb: 512 },
    });
    expect(effectiveLimits(m)).toEqual({ timeoutMs: 30_000, fuel: 400_000_000, memoryMb: 512 });
    expect(effectiveLimits(m, ['extended-memory'])).toEqual({ timeoutMs: 10_000, fuel: 100_000_000, memoryMb: 512 });
    expect(effectiveLimits(m, [])).toEqual({ timeoutMs: 10_000, fuel: 100_000_000, memoryMb: 50 });
  });
});

describe('requiredExports', () => {
  it('lists nothing for a plugin without hooks', () => {
    expect(requiredExports(parseManifest(base))).toEqual([]);
  });

  it('maps each hook to its export, then the provided functions', () => {
    const manifest = parseManifest({
      ...base,
      hooks: {
        endpoints: [{ path: 'a', methods: ['GET'] }],
        schedules: [{ name: 's', every: '1h' }],
        beforeCommit: {},
        afterCommit: {},
        onResourceGet: {},
        pluginEvents: true,
      },
      provides: [{ name: 'acme/x', version: '1.0.0', functions: ['search', 'stats'] }, { name: 'acme/y', version: '1.0.0', functions: ['search'] }],
    });
    expect(requiredExports(manifest)).toEqual([
      'handle_request',
      'before_commit',
      'after_commit',
      'on_resource_get',
      'on_schedule',
      'on_plugin_event',
      'search',
      'stats',
    ]);
  });

  it('does not ask for on_plugin_event when pluginEvents is false', () => {
    expect(requiredExports(parseManifest({ ...base, hooks: { pluginEvents: false, endpoints: [] } }))).toEqual([]);
  });
});

describe('validateConfig', () => {
  const manifest = parseManifest({
    ...base,
    defaultConfig: { language: 'en' },
    configSchema: {
      type: 'object',
      properties: { language: { enum: ['en', 'nl'] }, maxResults: { type: 'integer', maximum: 100 }, mail: { type: 'string', format: 'email' } },
      required: ['language'],
      additionalProperties: false,
    },
  });

  it('accepts a valid config', () => {
    expect(validateConfig(manifest, { language: 'nl', maxResults: 5, mail: 'a@b.org' })).toEqual([]);
  });

  it('names the path of each problem', () => {
    const problems = validateConfig(manifest, { maxResults: 500, colour: 'red', mail: 'nope' });
    expect(problems).toEqual(
      expect.arrayContaining([
        '/language: is required',
        '/maxResults: must be at most 100',
        expect.stringContaining('/colour: is not a known field'),
        '/mail: must match format "email"',
      ]),
    );
  });

  it('needs an object, and accepts any object without a configSchema', () => {
    expect(validateConfig(manifest, 'en')).toEqual(['/: the config must be a JSON object']);
    expect(validateConfig(parseManifest(base), { anything: [1, 2] })).toEqual([]);
  });
});

describe('helpers', () => {
  it('pluginId, endpointPath, parseRequirement, durationMs', () => {
    const manifest = parseManifest(base);
    expect(pluginId(manifest)).toBe('acme/demo');
    expect(endpointPath(manifest, { path: 'search' })).toBe('/plugins/acme/demo/search');
    expect(endpointPath(manifest, { path: '/sparql' })).toBe('/sparql');
    expect(parseRequirement('atomic/search@>=1.2 <2')).toEqual({ plugin: 'atomic/search', range: '>=1.2 <2' });
    expect(durationMs('10s')).toBe(10_000);
    expect(durationMs('5m')).toBe(300_000);
    expect(durationMs('1h')).toBe(3_600_000);
    expect(durationMs('2d')).toBe(172_800_000);
    expect(() => durationMs('10')).toThrow(TypeError);
  });
});

describe('docs/plugins/manifest.md', () => {
  const doc = readFileSync(new URL('../../docs/plugins/manifest.md', import.meta.url), 'utf8');

  it('has an example plugin.json that the schema and the semantic checks accept', () => {
    const block = /```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
    expect(block).toBeDefined();
    const manifest = parseManifest(JSON.parse(block as string));
    expect(pluginId(manifest)).toBe('atomic/full-text-search');
    expect(validateConfig(manifest, manifest.defaultConfig)).toEqual([]);
  });

  it('documents every top-level field and every permission of the schema', () => {
    const properties = Object.keys(manifestSchema.properties as Record<string, unknown>);
    for (const field of properties) expect(doc, field).toContain(`\`${field}\``);
    for (const name of permissionNames) expect(doc, name).toContain(`\`${name}\``);
  });
});

describe('manifest.schema.json', () => {
  it('describes every property it declares', () => {
    const missing: string[] = [];
    const visit = (node: unknown, path: string) => {
      if (typeof node !== 'object' || node === null) return;
      const record = node as Record<string, unknown>;
      const properties = record.properties as Record<string, Record<string, unknown>> | undefined;
      if (properties && !path.includes('/if')) {
        for (const [key, value] of Object.entries(properties)) {
          if (typeof value.description !== 'string') missing.push(`${path}/properties/${key}`);
        }
      }
      for (const [key, value] of Object.entries(record)) visit(value, `${path}/${key}`);
    };
    visit(manifestSchema, '#');
    expect(missing).toEqual([]);
  });
});
