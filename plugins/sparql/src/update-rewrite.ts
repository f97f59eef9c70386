// Reading SPARQL updates with sparqljs: the protocol's `using-graph-uri` / `using-named-graph-uri`
// parameters written into the update as USING clauses (Oxigraph has no option for them), and the
// operations of an update, for working out what it changes.

import sparqljs from 'sparqljs';
import type { IriTerm, Pattern, Quads, Update, UpdateOperation } from 'sparqljs';
import { ProtocolError } from './http.js';
import { iri } from './sparql-engine.js';

/** Parses an update with sparqljs; relative IRIs resolve against `base`. 400 when it cannot. */
export function parseUpdate(update: string, base: string): Update {
  let parsed;
  try {
    parsed = new sparqljs.Parser({ baseIRI: base }).parse(update);
  } catch (error) {
    throw new ProtocolError(400, `the update cannot be read: ${(error as Error).message}`);
  }
  if (parsed.type !== 'update') throw new ProtocolError(400, 'expected an update, got a query');
  return parsed;
}

/** An update written back as SPARQL text. */
export function stringifyUpdate(update: Update): string {
  return new sparqljs.Generator().stringify(update);
}

/** DELETE WHERE's quad patterns as the WHERE clause they also are. */
export function quadsAsPatterns(quads: readonly Quads[]): Pattern[] {
  return quads.map((q) => (q.type === 'bgp' ? q : { type: 'graph', name: q.name, patterns: [{ type: 'bgp', triples: q.triples }] }));
}

/**
 * The operations with the protocol's dataset as USING / USING NAMED on every one that has a WHERE
 * clause (DELETE WHERE becomes DELETE … WHERE for that). An operation that names its own dataset
 * (USING, USING NAMED or WITH) conflicts with the parameters: 400, as the protocol says. No
 * parameters: the operations as they are.
 */
export function applyUsingGraphs(updates: readonly UpdateOperation[], usingGraphs: readonly string[], usingNamedGraphs: readonly string[]): UpdateOperation[] {
  if (usingGraphs.length === 0 && usingNamedGraphs.length === 0) return [...updates];
  const using = {
    default: usingGraphs.map((g) => iri(g, 'using-graph-uri') as unknown as IriTerm),
    named: usingNamedGraphs.map((g) => iri(g, 'using-named-graph-uri') as unknown as IriTerm),
  };
  return updates.map((op): UpdateOperation => {
    if (!('updateType' in op)) return op;
    if (op.updateType === 'insertdelete') {
      if (op.using || op.graph) throw new ProtocolError(400, 'the update names its own dataset (USING, USING NAMED or WITH); it cannot also be given using-graph-uri or using-named-graph-uri');
      return { ...op, using };
    }
    if (op.updateType === 'deletewhere') return { updateType: 'insertdelete', delete: op.delete, insert: [], where: quadsAsPatterns(op.delete), using };
    return op;
  });
}

/** The update text with the protocol's dataset written in (see {@link applyUsingGraphs}). */
export function withUsingGraphs(update: string, base: string, usingGraphs: readonly string[], usingNamedGraphs: readonly string[]): string {
  const parsed = parseUpdate(update, base);
  parsed.updates = applyUsingGraphs(parsed.updates, usingGraphs, usingNamedGraphs);
  return stringifyUpdate(parsed);
}
