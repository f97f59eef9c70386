// Which form a SPARQL query has (SELECT, CONSTRUCT, DESCRIBE, ASK), read from its text: Oxigraph's
// serialized answer does not say, and the form decides which media types the answer can have. The
// form is the first keyword after the prologue (BASE and PREFIX declarations, comments).

/** The four query forms. */
export type QueryForm = 'SELECT' | 'CONSTRUCT' | 'DESCRIBE' | 'ASK';

const FORMS: ReadonlySet<string> = new Set(['SELECT', 'CONSTRUCT', 'DESCRIBE', 'ASK']);

/** Skips whitespace and `#` comments from `at`. */
function skipSpace(text: string, at: number): number {
  let i = at;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '#') {
      while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
    } else if (/\s/.test(c)) {
      i++;
    } else {
      break;
    }
  }
  return i;
}

/** Reads the IRI `<...>` at `at` and answers the index after it, or -1. */
function skipIri(text: string, at: number): number {
  if (text[at] !== '<') return -1;
  const end = text.indexOf('>', at + 1);
  return end < 0 ? -1 : end + 1;
}

/**
 * The form of `query`, or undefined when its text does not start like a query (then the parser's
 * own error message is the answer to give).
 *
 * @example detectQueryForm('PREFIX ex: <http://e/> # hi\n ask { ?s ?p ?o }') // 'ASK'
 */
export function detectQueryForm(query: string): QueryForm | undefined {
  let i = query.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (;;) {
    i = skipSpace(query, i);
    const word = /^[A-Za-z]+/.exec(query.slice(i, i + 16))?.[0]?.toUpperCase();
    if (word === undefined) return undefined;
    if (FORMS.has(word)) return word as QueryForm;
    i += word.length;
    if (word === 'BASE') {
      i = skipIri(query, skipSpace(query, i));
    } else if (word === 'PREFIX') {
      i = skipSpace(query, i);
      // PN_PREFIX? ':' — anything up to the colon, which cannot hold spaces.
      const prefix = /^[^\s:]*:/.exec(query.slice(i))?.[0];
      if (prefix === undefined) return undefined;
      i = skipIri(query, skipSpace(query, i + prefix.length));
    } else {
      return undefined;
    }
    if (i < 0) return undefined;
  }
}
