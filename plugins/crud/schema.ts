// What a Class says its instances look like, read from the Class and its Properties as stored:
// the required and recommended properties with their shortnames, datatypes and allowed values. Pure:
// the caller fetches the resources (store.ts).

import { core, type Json, type PropVals } from 'atomic-plugin/sdk/js';

/** The core property URLs the plugin reads and writes. */
export const props = core.properties;

/** The class of Classes. */
export const CLASS = core.classes.class;

/** One property of a class, as the API exposes it. */
export interface PropertyDef {
  readonly url: string;
  readonly shortname: string;
  readonly datatype: string;
  /** Listed under the class's `requires` (else `recommends`). */
  readonly required: boolean;
  /** The property's `allowsOnly` values; empty when it has none. */
  readonly allowsOnly: readonly string[];
}

/** A class as the API serves it. */
export interface ClassSchema {
  readonly url: string;
  readonly shortname: string;
  /** Required properties first, in the class's order. */
  readonly properties: readonly PropertyDef[];
}

/** A class definition the API cannot serve: a property without a usable shortname, or two with one. */
export class SchemaError extends Error {}

function strings(value: Json | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Whether a resource's `isA` lists `classUrl`. */
export function isA(propvals: PropVals, classUrl: string): boolean {
  return strings(propvals[props.isA]).includes(classUrl);
}

/** The property URLs a class lists: required ones, then recommended ones not also required. */
export function classProperties(classPropvals: PropVals): { url: string; required: boolean }[] {
  const required = strings(classPropvals[props.requires]);
  const recommended = strings(classPropvals[props.recommends]).filter((url) => !required.includes(url));
  return [...required.map((url) => ({ url, required: true })), ...recommended.map((url) => ({ url, required: false }))];
}

/** Names the API keeps for itself: an item's `@id`, `id` and `parent`. */
const RESERVED = ['@id', 'id', 'parent'];

/**
 * The schema of the class at `url` with these property-value pairs; `property` gives each listed
 * property's resource. Throws SchemaError when the class cannot be served as plain JSON.
 */
export function readSchema(url: string, classPropvals: PropVals, property: (url: string) => PropVals): ClassSchema {
  const shortname = classPropvals[props.shortname];
  if (typeof shortname !== 'string') throw new SchemaError(`the class ${url} has no shortname`);
  const seen = new Map<string, string>();
  // `parent` is part of every item already (items.ts); a class that lists it gains nothing more.
  const listed = classProperties(classPropvals).filter((p) => p.url !== props.parent);
  const properties = listed.map(({ url: propertyUrl, required }) => {
    const propvals = property(propertyUrl);
    const name = propvals[props.shortname];
    const datatype = propvals[props.datatype];
    if (typeof name !== 'string' || RESERVED.includes(name)) throw new SchemaError(`the property ${propertyUrl} of ${url} has no shortname the API can use`);
    if (typeof datatype !== 'string') throw new SchemaError(`the property ${propertyUrl} of ${url} has no datatype`);
    const other = seen.get(name);
    if (other !== undefined) throw new SchemaError(`the properties ${other} and ${propertyUrl} of ${url} have the same shortname "${name}"`);
    seen.set(name, propertyUrl);
    return { url: propertyUrl, shortname: name, datatype, required, allowsOnly: strings(propvals[props.allowsOnly]) };
  });
  return { url, shortname, properties };
}
