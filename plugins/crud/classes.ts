// Which Class `/crud/{shortname}` stands for, and its schema: among the configured classes, or
// (with none configured) among every Class on the server, found through the query index by its
// `shortname`. Read fresh on every call, so a changed Class is served as it is now.

import type { PropVals } from 'atomic-plugin/sdk/js';
import { CrudError } from './items.js';
import { CLASS, isA, props, readSchema, SchemaError, type ClassSchema } from './schema.js';
import { findAll, getResource, resourcesOf, type CrudConfig } from './server.js';

/** A class the API serves: its URL, its shortname, and its resource. */
export interface ServedClass {
  readonly url: string;
  readonly shortname: string;
  readonly propvals: PropVals;
}

function served(url: string, propvals: PropVals | undefined): ServedClass | undefined {
  if (propvals === undefined || !isA(propvals, CLASS)) return undefined;
  const shortname = propvals[props.shortname];
  return typeof shortname === 'string' ? { url, shortname, propvals } : undefined;
}

/** The classes among the members of a query. */
function servedAmong(property: string, value: string): ServedClass[] {
  const found = findAll(property, value, true);
  const resources = resourcesOf(found.subjects, found.resources);
  return found.subjects.map((url) => served(url, resources.get(url))).filter((c): c is ServedClass => c !== undefined);
}

function configured(config: CrudConfig): ServedClass[] {
  return config.classes.map((url) => served(url, getResource(url))).filter((c): c is ServedClass => c !== undefined);
}

/** Every class the API serves (for `GET /crud`). */
export function servedClasses(config: CrudConfig): ServedClass[] {
  return config.classes.length > 0 ? configured(config) : servedAmong(props.isA, CLASS);
}

/** The served classes with this shortname. */
function candidates(config: CrudConfig, shortname: string): ServedClass[] {
  if (config.classes.length > 0) return configured(config).filter((c) => c.shortname === shortname);
  return servedAmong(props.shortname, shortname);
}

/**
 * The schema of the class `/crud/{shortname}` serves. 404 when there is none, 409 when several
 * classes share the shortname (the config's `classes` can pick one), 502 when its definition
 * cannot be served (a property without shortname or datatype).
 */
export function resolveClass(config: CrudConfig, shortname: string): ClassSchema {
  const matches = candidates(config, shortname);
  if (matches.length === 0) throw new CrudError(404, `no class with shortname "${shortname}" is served here`);
  if (matches.length > 1) {
    throw new CrudError(409, `several classes have the shortname "${shortname}" (${matches.map((c) => c.url).join(', ')}); list the one to serve in the plugin's config "classes"`);
  }
  const { url, propvals } = matches[0]!;
  try {
    return readSchema(url, propvals, (property) => {
      const definition = getResource(property);
      if (definition === undefined) throw new SchemaError(`the property ${property} of ${url} does not exist`);
      return definition;
    });
  } catch (error) {
    if (error instanceof SchemaError) throw new CrudError(502, `the class "${shortname}" cannot be served: ${error.message}`);
    throw error;
  }
}
