// Variables in fixture strings: `{{server}}`, `{{base}}`, captured values... are replaced in every
// string of a step, keys included. The matchers `{{*string}}`, `{{*number}}`, `{{*any}}` are left
// for the comparison (match.ts).

/** Variable values by name. */
export type Variables = Readonly<Record<string, unknown>>;

const VARIABLE = /\{\{([A-Za-z_][\w.-]*)\}\}/g;
const WHOLE = /^\{\{([A-Za-z_][\w.-]*)\}\}$/;

/** A variable a fixture uses that is not defined (yet): a mistake in the fixture. */
export class UnknownVariableError extends RangeError {
  constructor(readonly variable: string) {
    super(`{{${variable}}} is not defined: neither a built-in variable nor captured by an earlier step`);
  }
}

function lookup(vars: Variables, name: string): unknown {
  if (!Object.hasOwn(vars, name)) throw new UnknownVariableError(name);
  return vars[name];
}

/**
 * Replaces the variables in `text`. A string that is one variable and nothing else takes the
 * value itself, so a captured number stays a number.
 *
 * @example expandString('{{base}}/note', { base: 'http://localhost:9883/c-1' }) // 'http://localhost:9883/c-1/note'
 */
export function expandString(text: string, vars: Variables): unknown {
  const whole = WHOLE.exec(text);
  if (whole) return lookup(vars, whole[1]!);
  return text.replace(VARIABLE, (_match, name: string) => {
    const value = lookup(vars, name);
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

/** Replaces the variables in every string of a JSON value, object keys included. */
export function expand<T>(value: T, vars: Variables): T {
  if (typeof value === 'string') return expandString(value, vars) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => expand(v, vars)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [String(expandString(k, vars)), expand(v, vars)])) as T;
  }
  return value;
}
