// Content negotiation and the serializations a resource can be served in: JSON-AD, plain JSON
// keyed by shortname, JSON-LD, Turtle and N-Triples.

import Negotiator from 'negotiator';
import N3 from 'n3';
import { isHttpUrl, isObject, type JsonAdValue, type PropVals } from '../atomic/json-ad.js';
import { datatypes, props } from '../atomic/urls.js';

/** The media types a resource can be served as, in order of preference. */
export const mediaTypes = ['application/ad+json', 'application/json', 'application/ld+json', 'text/turtle', 'application/n-triples'] as const;
export type MediaType = (typeof mediaTypes)[number];

/** The best media type for an Accept header, or undefined when none is acceptable. */
export function negotiate(accept: string | undefined): MediaType | undefined {
  if (!accept) return 'application/ad+json';
  const chosen = new Negotiator({ headers: { accept } }).mediaType([...mediaTypes]);
  return chosen as MediaType | undefined;
}

/** True when `accept` ranks HTML above every format this server serves (a browser navigating). */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  // HTML last: a tie (`*/*`) goes to the data formats, as before.
  return new Negotiator({ headers: { accept } }).mediaType([...mediaTypes, 'text/html']) === 'text/html';
}

/** What a serializer needs to know about a property. */
export interface PropertyInfo {
  shortname?: string;
  datatype?: string;
}

/** Looks up property definitions (from the store). */
export type PropertyLookup = (property: string) => PropertyInfo;

/** Serializes one resource (with nested resources inlined for the JSON forms). */
export function serialize(type: MediaType, subject: string, propvals: PropVals, lookup: PropertyLookup): string {
  switch (type) {
    case 'application/ad+json':
      return JSON.stringify({ '@id': subject, ...propvals });
    case 'application/json':
      return JSON.stringify(toPlainJson(subject, propvals, lookup));
    case 'application/ld+json':
      return JSON.stringify(toJsonLd(subject, propvals, lookup));
    case 'text/turtle':
    case 'application/n-triples':
      return toTriples(type, subject, propvals, lookup);
  }
}

function shortnameOf(property: string, lookup: PropertyLookup): string {
  return lookup(property).shortname ?? property;
}

function plainValue(value: JsonAdValue, lookup: PropertyLookup): JsonAdValue {
  if (Array.isArray(value)) return value.map((v) => plainValue(v, lookup));
  if (isObject(value) && typeof value['@id'] === 'string') {
    const { '@id': id, ...rest } = value;
    return toPlainJson(id as string, rest as PropVals, lookup);
  }
  return value;
}

function toPlainJson(subject: string, propvals: PropVals, lookup: PropertyLookup): Record<string, JsonAdValue> {
  const out: Record<string, JsonAdValue> = { '@id': subject };
  for (const [property, value] of Object.entries(propvals)) out[shortnameOf(property, lookup)] = plainValue(value, lookup);
  return out;
}

const REFERENCE_TYPES: ReadonlySet<string> = new Set([datatypes.atomicUrl, datatypes.resourceArray]);

function toJsonLd(subject: string, propvals: PropVals, lookup: PropertyLookup): Record<string, JsonAdValue> {
  const context: Record<string, JsonAdValue> = {};
  const body: Record<string, JsonAdValue> = { '@id': subject };
  for (const [property, value] of Object.entries(propvals)) {
    const info = lookup(property);
    const name = info.shortname && !(info.shortname in context) ? info.shortname : property;
    if (name !== property) {
      context[name] = info.datatype && REFERENCE_TYPES.has(info.datatype) ? { '@id': property, '@type': '@id' } : property;
    }
    body[name] = value;
  }
  return { '@context': context, ...body };
}

const XSD = 'http://www.w3.org/2001/XMLSchema#';
/** Atomic datatypes and the XSD datatype their literals are written with. */
export const xsdDatatypes: Record<string, string> = {
  [datatypes.string]: `${XSD}string`,
  [datatypes.slug]: `${XSD}string`,
  [datatypes.integer]: `${XSD}integer`,
  [datatypes.float]: `${XSD}double`,
  [datatypes.boolean]: `${XSD}boolean`,
  [datatypes.date]: `${XSD}date`,
  [datatypes.timestamp]: `${XSD}long`,
  [datatypes.uri]: `${XSD}anyURI`,
};

function toTriples(type: 'text/turtle' | 'application/n-triples', subject: string, propvals: PropVals, lookup: PropertyLookup): string {
  const { namedNode, literal, quad } = N3.DataFactory;
  const writer = new N3.Writer({ format: type === 'text/turtle' ? 'Turtle' : 'N-Triples' });
  const s = namedNode(subject);
  const term = (property: string, value: JsonAdValue): N3.Quad_Object => {
    const datatype = lookup(property).datatype;
    if (typeof value === 'string' && datatype && REFERENCE_TYPES.has(datatype) && isHttpUrl(value)) return namedNode(value);
    if (typeof value === 'object') return literal(JSON.stringify(value), namedNode(datatypes.json));
    const xsd = datatype ? xsdDatatypes[datatype] : undefined;
    if (xsd) return literal(String(value), namedNode(xsd));
    if (datatype) return literal(String(value), namedNode(datatype));
    if (typeof value === 'number') return literal(String(value), namedNode(Number.isInteger(value) ? `${XSD}integer` : `${XSD}double`));
    if (typeof value === 'boolean') return literal(String(value), namedNode(`${XSD}boolean`));
    return literal(value);
  };
  for (const [property, value] of Object.entries(propvals)) {
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      const object = isObject(item) && typeof item['@id'] === 'string' ? namedNode(item['@id']) : term(property, item);
      writer.addQuad(quad(s, namedNode(property), object));
    }
  }
  let out = '';
  writer.end((error, result: string) => {
    if (error) throw error;
    out = result;
  });
  return out;
}

/** The shortname and datatype of a property, read from its stored definition. */
export function propertyInfoFrom(definition: PropVals | undefined): PropertyInfo {
  const shortname = definition?.[props.shortname];
  const datatype = definition?.[props.datatype];
  return {
    shortname: typeof shortname === 'string' ? shortname : undefined,
    datatype: typeof datatype === 'string' ? datatype : undefined,
  };
}
