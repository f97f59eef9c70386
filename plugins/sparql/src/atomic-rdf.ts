// Atomic Data as RDF and back: a resource's property-value pairs become triples (the property URL
// as predicate, values typed by the property's datatype mapped to XSD, resource references as
// IRIs, arrays as one triple per member), and an RDF term becomes the JSON value a property of a
// given datatype takes, or a reason why it cannot.

import { literal, namedNode, type Literal, type NamedNode, type Term } from 'oxigraph';

const A = 'https://atomicdata.dev/';
const XSD = 'http://www.w3.org/2001/XMLSchema#';

/** The Atomic datatypes (https://atomicdata.dev/datatypes/...). */
export const datatypes = {
  string: `${A}datatypes/string`,
  markdown: `${A}datatypes/markdown`,
  slug: `${A}datatypes/slug`,
  integer: `${A}datatypes/integer`,
  float: `${A}datatypes/float`,
  boolean: `${A}datatypes/boolean`,
  timestamp: `${A}datatypes/timestamp`,
  date: `${A}datatypes/date`,
  atomicUrl: `${A}datatypes/atomicURL`,
  resourceArray: `${A}datatypes/resourceArray`,
  json: `${A}datatypes/json`,
  uri: `${A}datatypes/uri`,
} as const;

/** The properties and classes the plugin itself needs to know. */
export const atomic = {
  isA: `${A}properties/isA`,
  parent: `${A}properties/parent`,
  read: `${A}properties/read`,
  write: `${A}properties/write`,
  datatype: `${A}properties/datatype`,
  propertyClass: `${A}classes/Property`,
  commitClass: `${A}classes/Commit`,
} as const;

/** The XSD datatype each Atomic datatype's literals are written with. */
const xsdOf: Readonly<Record<string, string>> = {
  [datatypes.string]: `${XSD}string`,
  [datatypes.markdown]: `${XSD}string`,
  [datatypes.slug]: `${XSD}string`,
  [datatypes.integer]: `${XSD}integer`,
  [datatypes.float]: `${XSD}double`,
  [datatypes.boolean]: `${XSD}boolean`,
  [datatypes.date]: `${XSD}date`,
  [datatypes.timestamp]: `${XSD}long`,
  [datatypes.uri]: `${XSD}anyURI`,
};

const REFERENCES: ReadonlySet<string> = new Set([datatypes.atomicUrl, datatypes.resourceArray]);

/** Datatypes whose values are lists: each member is one triple. */
export function isListDatatype(datatype: string | undefined): boolean {
  return datatype === datatypes.resourceArray;
}

/** A JSON value as it appears in JSON-AD. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Tells the datatype of a property URL (undefined when the property is unknown). */
export type DatatypeOf = (property: string) => string | undefined;

const isUrl = (value: string): boolean => /^[a-z][a-z0-9+.-]*:[^\s<>"{}|\\^`]*$/i.test(value);

/**
 * An RDF term as plain data: an IRI, or a literal (no datatype: xsd:string). Built once from a
 * value and written either as an Oxigraph term or as N-Triples text, which Oxigraph loads in bulk
 * far faster than it takes term objects one by one (~15 µs against ~80 µs a triple).
 */
type RdfTerm = { readonly iri: string } | { readonly literal: string; readonly datatype?: string };

const json = (value: JsonValue): RdfTerm => ({ literal: JSON.stringify(value), datatype: datatypes.json });

function valueTerm(value: JsonValue, datatype: string | undefined): RdfTerm {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const id = value['@id'];
    // A nested resource with a subject is a reference to it; an anonymous one stays JSON.
    return typeof id === 'string' && isUrl(id) ? { iri: id } : json(value);
  }
  if (typeof value === 'string' && datatype !== undefined && REFERENCES.has(datatype) && isUrl(value)) return { iri: value };
  if (datatype === datatypes.json || value === null || Array.isArray(value)) return json(value);
  const xsd = datatype === undefined ? undefined : xsdOf[datatype];
  if (xsd === `${XSD}string`) return { literal: String(value) };
  if (xsd !== undefined) return { literal: String(value), datatype: xsd };
  if (datatype !== undefined) return { literal: String(value), datatype };
  if (typeof value === 'number') return { literal: String(value), datatype: Number.isInteger(value) ? `${XSD}integer` : `${XSD}double` };
  if (typeof value === 'boolean') return { literal: String(value), datatype: `${XSD}boolean` };
  return { literal: value };
}

/** The RDF objects of one property value: one per member for list datatypes. */
function valueRdfTerms(value: JsonValue, datatype: string | undefined): RdfTerm[] {
  if (Array.isArray(value) && (isListDatatype(datatype) || datatype === undefined)) {
    return value.map((member) => (typeof member === 'string' && isUrl(member) ? { iri: member } : valueTerm(member, undefined)));
  }
  return [valueTerm(value, datatype)];
}

/** The same objects as Oxigraph terms. */
export function valueTerms(value: JsonValue, datatype: string | undefined): (NamedNode | Literal)[] {
  return valueRdfTerms(value, datatype).map((t) => ('iri' in t ? namedNode(t.iri) : t.datatype === undefined ? literal(t.literal) : literal(t.literal, namedNode(t.datatype))));
}

// N-Triples escapes: UCHAR for what an IRIREF cannot hold, ECHAR for the string specials.
const iriText = (iri: string): string => `<${iri.replace(/[\u0000-\u0020<>"{}|^`\\]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}>`;
const ESCAPES: Readonly<Record<string, string>> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r' };
const stringText = (text: string): string => `"${text.replace(/["\\\n\r]/g, (c) => ESCAPES[c]!)}"`;

function termText(term: RdfTerm): string {
  if ('iri' in term) return iriText(term.iri);
  return term.datatype === undefined ? stringText(term.literal) : `${stringText(term.literal)}^^${iriText(term.datatype)}`;
}

/**
 * The triples of a resource as N-Quads, each in the named graph of its subject (so a resource's
 * triples can be found, replaced and filtered by rights as a unit). `@id` is skipped.
 */
export function resourceNQuads(subject: string, propvals: Readonly<Record<string, JsonValue>>, datatypeOf: DatatypeOf): string {
  const s = iriText(subject);
  let out = '';
  for (const [property, value] of Object.entries(propvals)) {
    if (property === '@id' || !isUrl(property)) continue;
    const p = iriText(property);
    for (const object of valueRdfTerms(value, datatypeOf(property))) out += `${s} ${p} ${termText(object)} ${s} .\n`;
  }
  return out;
}

const INTEGER_TYPES = new Set(
  ['integer', 'long', 'int', 'short', 'byte', 'nonNegativeInteger', 'positiveInteger', 'nonPositiveInteger', 'negativeInteger', 'unsignedLong', 'unsignedInt', 'unsignedShort', 'unsignedByte'].map(
    (t) => `${XSD}${t}`,
  ),
);
const NUMBER_TYPES = new Set([...INTEGER_TYPES, `${XSD}double`, `${XSD}float`, `${XSD}decimal`]);
const STRING_TYPES = new Set([`${XSD}string`]);

/** A JSON value, or why the term does not fit. */
export type Converted = { readonly value: JsonValue } | { readonly problem: string };

const no = (problem: string): Converted => ({ problem });

function literalValue(term: Literal, datatype: string): Converted {
  const type = term.datatype.value;
  if (term.language !== '') return no(`a language-tagged string ("${term.value}"@${term.language}) has no place in Atomic Data; use a plain string`);
  switch (datatype) {
    case datatypes.string:
    case datatypes.markdown:
    case datatypes.slug:
      return STRING_TYPES.has(type) ? { value: term.value } : no(`expected a string literal, got one typed ${type}`);
    case datatypes.integer:
    case datatypes.timestamp: {
      if (!INTEGER_TYPES.has(type) || !/^[+-]?\d+$/.test(term.value)) return no(`expected an integer literal, got "${term.value}"^^<${type}>`);
      const n = Number(term.value);
      return Number.isSafeInteger(n) ? { value: n } : no(`${term.value} is too large for an Atomic integer`);
    }
    case datatypes.float: {
      const n = Number(term.value);
      return NUMBER_TYPES.has(type) && Number.isFinite(n) && term.value.trim() !== '' ? { value: n } : no(`expected a number literal, got "${term.value}"^^<${type}>`);
    }
    case datatypes.boolean:
      if (type !== `${XSD}boolean`) return no(`expected an xsd:boolean literal, got one typed ${type}`);
      if (term.value === 'true' || term.value === '1') return { value: true };
      if (term.value === 'false' || term.value === '0') return { value: false };
      return no(`"${term.value}" is not an xsd:boolean`);
    case datatypes.date:
      return type === `${XSD}date` && /^\d{4}-\d{2}-\d{2}$/.test(term.value) ? { value: term.value } : no(`expected an xsd:date literal (YYYY-MM-DD), got "${term.value}"^^<${type}>`);
    case datatypes.uri:
      return type === `${XSD}anyURI` || STRING_TYPES.has(type) ? { value: term.value } : no(`expected an xsd:anyURI literal or an IRI, got one typed ${type}`);
    case datatypes.json:
      try {
        return type === datatypes.json ? { value: JSON.parse(term.value) as JsonValue } : no(`expected a literal typed <${datatypes.json}>`);
      } catch {
        return no(`"${term.value}" is not JSON`);
      }
    case datatypes.atomicUrl:
    case datatypes.resourceArray:
      return no(`expected the IRI of a resource, got the literal "${term.value}"`);
    default:
      return { value: term.value };
  }
}

/**
 * The JSON value that `term` gives a property of `datatype` (for list datatypes: one member), or
 * why it cannot: blank nodes and quoted triples have no Atomic Data form, literals must match.
 */
export function termValue(term: Term, datatype: string): Converted {
  if (term.termType === 'NamedNode') {
    return REFERENCES.has(datatype) || datatype === datatypes.uri ? { value: term.value } : no(`expected a literal, got the IRI <${term.value}>`);
  }
  if (term.termType === 'Literal') return literalValue(term, datatype);
  if (term.termType === 'BlankNode') return no('a blank node has no Atomic Data form; give the resource an IRI');
  return no(`a ${term.termType} has no Atomic Data form`);
}
