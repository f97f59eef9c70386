// A plugin's config from the command line: `--config <json|@file>`, `key=value` changes, and the
// config a plugin runs with when its resource sets none (its package's defaultConfig).

import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AgentIdentity } from '../../server/atomic/agent.js';
import { props } from '../../server/atomic/urls.js';
import { CliError } from './errors.js';
import type { InstalledPlugin } from './installations.js';
import type { JsonValue } from './output.js';
import { parsePackage } from './package-signing.js';
import { fetchBytes } from './server-client.js';

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads `--config`: inline JSON or `@file`; it must be a JSON object. */
export function parseConfigFlag(value: string): JsonObject {
  let text = value;
  if (value.startsWith('@')) {
    const path = resolve(value.slice(1));
    if (!existsSync(path)) throw new CliError('INVALID_INPUT', `--config: ${path} does not exist`);
    text = readFileSync(path, 'utf8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError('INVALID_INPUT', `The config is not valid JSON: ${(error as Error).message}`, ['give a JSON object, e.g. --config \'{"greeting":"hi"}\', or @file.json']);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError('INVALID_INPUT', 'The config must be a JSON object', ['give a JSON object, e.g. \'{"greeting":"hi"}\'']);
  }
  return parsed as JsonObject;
}

/** The config the plugin runs with: the resource's, else the package's defaultConfig. */
export async function effectiveConfig(agent: AgentIdentity, installation: InstalledPlugin): Promise<JsonObject> {
  const config = installation.stored[props.plugin.config];
  if (isObject(config)) return config;
  const file = installation.stored[props.plugin.file];
  if (typeof file !== 'string') return {};
  const pkg = parsePackage(await fetchBytes(file, agent), file);
  return pkg.manifest.defaultConfig as JsonObject;
}

/**
 * Applies `key=value` assignments to a config; a value is read as JSON when it parses (numbers,
 * booleans, objects), else as a string. Dotted keys reach into nested objects.
 */
export function assignConfig(config: JsonObject, assignments: string[]): JsonObject {
  const next = structuredClone(config);
  for (const assignment of assignments) {
    const at = assignment.indexOf('=');
    if (at <= 0) throw new CliError('INVALID_INPUT', `"${assignment}" is not key=value`, ['e.g. greeting=Hello, or a whole JSON object']);
    const path = assignment.slice(0, at).split('.');
    const raw = assignment.slice(at + 1);
    let value: JsonValue;
    try {
      value = JSON.parse(raw) as JsonValue;
    } catch {
      value = raw;
    }
    let target = next;
    for (const key of path.slice(0, -1)) {
      const child = target[key];
      if (!isObject(child)) target[key] = {};
      target = target[key] as JsonObject;
    }
    target[path.at(-1)!] = value;
  }
  return next;
}
