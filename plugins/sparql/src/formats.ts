// The media types a SPARQL answer can have and the choice among them: by the query form (solutions
// and booleans are SPARQL results, CONSTRUCT and DESCRIBE are RDF graphs), an explicit `format`
// parameter, or else the Accept header with its q-values.

import Negotiator from 'negotiator';
import type { QueryForm } from './query-form.js';
import { ProtocolError } from './http.js';

/** A serialization: the media type sent and the name Oxigraph knows it by. */
export interface Format {
  readonly mediaType: string;
  /** For Oxigraph's `results_format` / `format`. */
  readonly oxigraph: string;
  /** Short names a `format` parameter may give. */
  readonly names: readonly string[];
  /** Other media types a client may ask for and get this one (`application/json`). */
  readonly aliases: readonly string[];
}

/** SPARQL results (SELECT, ASK), in order of preference. */
export const resultFormats: readonly Format[] = [
  { mediaType: 'application/sparql-results+json', oxigraph: 'application/sparql-results+json', names: ['json', 'srj'], aliases: ['application/json'] },
  { mediaType: 'application/sparql-results+xml', oxigraph: 'application/sparql-results+xml', names: ['xml', 'srx'], aliases: ['application/xml', 'text/xml'] },
  { mediaType: 'text/csv', oxigraph: 'text/csv', names: ['csv'], aliases: [] },
  { mediaType: 'text/tab-separated-values', oxigraph: 'text/tab-separated-values', names: ['tsv'], aliases: [] },
];

/** RDF graphs (CONSTRUCT, DESCRIBE, Graph Store GET), in order of preference. */
export const graphFormats: readonly Format[] = [
  { mediaType: 'text/turtle', oxigraph: 'text/turtle', names: ['turtle', 'ttl'], aliases: ['application/x-turtle'] },
  { mediaType: 'application/n-triples', oxigraph: 'application/n-triples', names: ['ntriples', 'n-triples', 'nt'], aliases: ['text/plain'] },
  { mediaType: 'application/ld+json', oxigraph: 'application/ld+json', names: ['jsonld', 'json-ld', 'json'], aliases: ['application/json'] },
  { mediaType: 'application/rdf+xml', oxigraph: 'application/rdf+xml', names: ['rdfxml', 'rdf', 'xml'], aliases: ['application/xml', 'text/xml'] },
];

/** RDF datasets (quads), which a Graph Store body may also be. */
export const datasetFormats: readonly Format[] = [
  { mediaType: 'application/n-quads', oxigraph: 'application/n-quads', names: ['nquads', 'nq'], aliases: ['text/x-nquads'] },
  { mediaType: 'application/trig', oxigraph: 'application/trig', names: ['trig'], aliases: [] },
];

/** The formats an answer to a query of `form` can have. */
export function formatsFor(form: QueryForm): readonly Format[] {
  return form === 'SELECT' || form === 'ASK' ? resultFormats : graphFormats;
}

/** Text media types are sent with their charset, as the Graph Store Protocol tests expect. */
export function contentType(format: Format): string {
  return `${format.mediaType}; charset=utf-8`;
}

/**
 * The format to answer in: the `format` parameter when given (a short name or a media type), else
 * the best the Accept header allows (the first of `formats` for none or `*\/*`).
 * ProtocolError 400 for an unknown `format`, 406 when nothing acceptable can be made.
 */
export function chooseFormat(formats: readonly Format[], accept: string | undefined, formatParam: string | undefined): Format {
  const offered = (): string => formats.map((f) => f.mediaType).join(', ');
  if (formatParam !== undefined && formatParam !== '') {
    const wanted = formatParam.trim().toLowerCase();
    const found = formats.find((f) => f.names.includes(wanted) || f.mediaType === wanted || f.aliases.includes(wanted));
    if (found) return found;
    const known = [...resultFormats, ...graphFormats].some((f) => f.names.includes(wanted) || f.mediaType === wanted);
    throw new ProtocolError(known ? 406 : 400, `format=${formatParam} ${known ? 'does not apply to this answer' : 'is not a format this endpoint knows'}; it can answer ${offered()}`);
  }
  if (accept === undefined || accept.trim() === '') return formats[0]!;
  const candidates = formats.flatMap((f) => [f.mediaType, ...f.aliases]);
  const chosen = new Negotiator({ headers: { accept } }).mediaType(candidates);
  const format = chosen === undefined ? undefined : formats.find((f) => f.mediaType === chosen || f.aliases.includes(chosen));
  if (!format) throw new ProtocolError(406, `none of the accepted media types (${accept}) can be served; this answer can be ${offered()}`);
  return format;
}

/** The format a request body of `contentTypeHeader` is in, among `formats`, or undefined. */
export function formatOfBody(formats: readonly Format[], mediaType: string): Format | undefined {
  return formats.find((f) => f.mediaType === mediaType || f.aliases.includes(mediaType));
}
