// The exact triples a SPARQL UPDATE adds and removes, worked out without applying it for good:
// each operation's DELETE and INSERT templates are instantiated by CONSTRUCT queries over its
// WHERE clause (the same solutions, unbound template triples dropped, fresh blank nodes per
// solution, as the Update spec evaluates them), against the state the earlier operations leave.
// Those changes are made to the requester's view while the next operation is worked out and
// undone before returning, so nothing is applied until the resulting Commits are.
//
// The mirror keeps each resource in the graph of its subject and is written through the default
// graph only: WITH, GRAPH templates and the graph management operations (CLEAR, DROP, LOAD, ...)
// are refused there.

import sparqljs from 'sparqljs';
import type { ConstructQuery, IriTerm, Pattern, Quads, Triple, UpdateOperation } from 'sparqljs';
import { quad, Store, type BlankNode, type NamedNode, type Quad } from 'oxigraph';
import { ProtocolError } from './http.js';
import { oxigraphFailure } from './sparql-engine.js';
import { applyUsingGraphs, parseUpdate, quadsAsPatterns } from './update-rewrite.js';
import { freeStore } from './free-store.js';

/** What an update changes, as quads in the graphs of their subjects. */
export interface UpdateEffect {
  readonly added: readonly Quad[];
  readonly removed: readonly Quad[];
}

interface Plan {
  readonly deleteTemplate: Triple[];
  readonly insertTemplate: Triple[];
  readonly where: Pattern[];
  readonly using?: { default: IriTerm[]; named: IriTerm[] };
}

function triplesOf(quads: readonly Quads[], keyword: string): Triple[] {
  return quads.flatMap((q) => {
    if (q.type === 'graph') throw new ProtocolError(400, `GRAPH in ${keyword} is not supported on the mirror: each resource is its own graph there, written through the default graph; drop GRAPH`);
    return q.triples;
  });
}

function plan(op: UpdateOperation): Plan {
  if (!('updateType' in op)) {
    throw new ProtocolError(400, `${op.type.toUpperCase()} is not supported on the mirror of the server's resources (each resource is its own graph there); use INSERT and DELETE`);
  }
  if (op.graph) throw new ProtocolError(400, 'WITH is not supported on the mirror: each resource is its own graph there, written through the default graph; drop WITH');
  switch (op.updateType) {
    case 'insert':
      return { deleteTemplate: [], insertTemplate: triplesOf(op.insert, 'INSERT DATA'), where: [] };
    case 'delete':
      return { deleteTemplate: triplesOf(op.delete, 'DELETE DATA'), insertTemplate: [], where: [] };
    case 'deletewhere':
      return { deleteTemplate: triplesOf(op.delete, 'DELETE WHERE'), insertTemplate: [], where: quadsAsPatterns(op.delete) };
    case 'insertdelete':
      return {
        deleteTemplate: triplesOf(op.delete ?? [], 'DELETE'),
        insertTemplate: triplesOf(op.insert ?? [], 'INSERT'),
        where: op.where,
        ...(op.using ? { using: op.using } : {}),
      };
  }
}

/** The triples `template` yields over `where` (none for an empty template), each in its subject's graph. */
function instantiate(view: Store, template: Triple[], p: Plan, base: string): Quad[] {
  if (template.length === 0) return [];
  const query: ConstructQuery = { type: 'query', queryType: 'CONSTRUCT', prefixes: {}, template, where: p.where, ...(p.using ? { from: p.using } : {}) };
  const text = new sparqljs.Generator().stringify(query);
  let triples: Quad[];
  try {
    // Without USING the default graph is every readable resource's graph; USING names its own.
    triples = view.query(text, { base_iri: base, ...(p.using ? {} : { use_default_graph_as_union: true }) }) as Quad[];
  } catch (error) {
    throw oxigraphFailure(error, 'update');
  }
  // A CONSTRUCT's subjects are IRIs or blank nodes; blank ones are refused before any commit.
  return triples.map((t) => quad(t.subject, t.predicate, t.object, t.subject as NamedNode | BlankNode));
}

/**
 * What `update` would change in `view` (the requester's readable part of the mirror). 400 with
 * Oxigraph's message for bad syntax, and for what the mirror does not support.
 */
export function updateEffect(view: Store, update: string, base: string, usingGraphs: readonly string[], usingNamedGraphs: readonly string[]): UpdateEffect {
  const plans = applyUsingGraphs(parse(update, base).updates, usingGraphs, usingNamedGraphs).map(plan);
  const added = new Map<string, Quad>();
  const removed = new Map<string, Quad>();
  // What was done to the view, to undo in reverse order.
  const journal: { readonly add: boolean; readonly quad: Quad }[] = [];
  try {
    for (const [i, p] of plans.entries()) {
      // Both templates see the state before this operation, as the Update spec defines.
      const deletes = instantiate(view, p.deleteTemplate, p, base);
      const inserts = instantiate(view, p.insertTemplate, p, base);
      // The last operation's changes are only recorded: nothing reads the state after it.
      const apply = i < plans.length - 1;
      const deleted = new Set<string>();
      for (const q of deletes) {
        const key = q.toString();
        if (deleted.has(key) || !view.has(q)) continue;
        deleted.add(key);
        if (apply) {
          view.delete(q);
          journal.push({ add: false, quad: q });
        }
        if (!added.delete(key)) removed.set(key, q);
      }
      const inserted = new Set<string>();
      for (const q of inserts) {
        const key = q.toString();
        if (inserted.has(key) || (view.has(q) && !(!apply && deleted.has(key)))) continue;
        inserted.add(key);
        if (apply) {
          view.add(q);
          journal.push({ add: true, quad: q });
        }
        if (!removed.delete(key)) added.set(key, q);
      }
    }
  } finally {
    // Undo: the Commits decide what changes, and the mirror follows them.
    for (const { add, quad: q } of journal.reverse()) {
      if (add) view.delete(q);
      else view.add(q);
    }
  }
  return { added: [...added.values()], removed: [...removed.values()] };
}

/**
 * The update read by sparqljs; when sparqljs cannot read it, Oxigraph (the parser of record) is
 * asked on a throwaway store, so that a bad update gets Oxigraph's message.
 */
function parse(update: string, base: string): ReturnType<typeof parseUpdate> {
  try {
    return parseUpdate(update, base);
  } catch (error) {
    const probe = new Store();
    try {
      probe.update(update, { base_iri: base });
    } catch (oxigraphError) {
      throw oxigraphFailure(oxigraphError, 'update');
    } finally {
      freeStore(probe);
    }
    throw error;
  }
}
