// A plugin's config checked in the browser against its configSchema, before anything is sent:
// @cfworker/json-schema validates without generating code (the page's CSP allows no eval), for the
// drafts the host accepts (draft-07 by default, 2019-09, 2020-12). The host checks again with its
// own validator (server/plugins/manifest.ts validateConfig) and has the last word.

import { Validator, type Schema, type SchemaDraft } from '@cfworker/json-schema';

/** A problem with a config, at a JSON pointer into it (`""` is the config itself). */
export interface ConfigProblem {
  pointer: string;
  message: string;
}

// Keywords that only report that something below them failed; the failure below says what.
const SUMMARY_KEYWORDS = new Set(['properties', 'items', 'prefixItems', 'additionalItems', '$ref', '$recursiveRef', 'allOf', 'unevaluatedItems']);

function draftOf(schema: Record<string, unknown>): SchemaDraft {
  const declared = schema.$schema;
  if (typeof declared === 'string' && declared.includes('/2020-12/')) return '2020-12';
  if (typeof declared === 'string' && declared.includes('/2019-09/')) return '2019-09';
  return '7';
}

/** The JSON pointer of a validator's `#/a/b` instance location. */
function pointerOf(location: string): string {
  return location.replace(/^#/, '');
}

/** Checks `config` against `schema`; empty when it is valid. */
export function checkConfig(schema: Record<string, unknown> | undefined, config: Record<string, unknown>): ConfigProblem[] {
  if (!schema) return [];
  let result;
  try {
    result = new Validator(schema as Schema, draftOf(schema), false).validate(config);
  } catch (error) {
    // A schema this validator cannot use: leave the judgement to the server.
    return [];
  }
  if (result.valid) return [];
  const problems = result.errors.map((e) => ({ pointer: pointerOf(e.instanceLocation), message: e.error, keyword: e.keyword }));
  const specific = problems.filter((p) => !SUMMARY_KEYWORDS.has(p.keyword));
  const chosen = specific.length > 0 ? specific : problems;
  const seen = new Set<string>();
  return chosen.flatMap(({ pointer, message, keyword }) => {
    // A missing required property belongs to that property's field.
    const missing = keyword === 'required' ? /"([^"]+)"/.exec(message)?.[1] : undefined;
    const at = missing === undefined ? pointer : `${pointer}/${missing.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const text = missing === undefined ? message : 'This is required.';
    const key = `${at}\n${text}`;
    if (seen.has(key)) return [];
    seen.add(key);
    return [{ pointer: at, message: text }];
  });
}
