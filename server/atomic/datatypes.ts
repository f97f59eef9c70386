// Datatype validation: whether a value fits the datatype of its property.

import { isHttpUrl, isObject, type JsonAdValue } from './json-ad.js';
import { datatypes } from './urls.js';

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const IPFS_URL = /^ipfs:\/\/[A-Za-z0-9]+$/;

function isResourceRef(value: JsonAdValue): boolean {
  // A reference is a URL, or a nested resource (an object, with or without @id).
  // `ipfs://<cid>` names immutable content by its address (a Plugin's pluginFile may be one).
  return (typeof value === 'string' && (isHttpUrl(value) || IPFS_URL.test(value))) || isObject(value);
}

function isValidDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(value);
}

/** Why `value` does not fit `datatype`, or undefined when it does (or the datatype is unknown). */
export function datatypeProblem(datatype: string, value: JsonAdValue): string | undefined {
  switch (datatype) {
    case datatypes.string:
    case datatypes.markdown:
      return typeof value === 'string' ? undefined : 'expected a string';
    case datatypes.slug:
      return typeof value === 'string' && SLUG.test(value) ? undefined : 'expected a slug (lowercase letters, digits and dashes)';
    case datatypes.integer:
      return typeof value === 'number' && Number.isSafeInteger(value) ? undefined : 'expected an integer';
    case datatypes.float:
      return typeof value === 'number' ? undefined : 'expected a number';
    case datatypes.boolean:
      return typeof value === 'boolean' ? undefined : 'expected true or false';
    case datatypes.timestamp:
      return typeof value === 'number' && Number.isSafeInteger(value) ? undefined : 'expected a timestamp in milliseconds';
    case datatypes.date:
      return typeof value === 'string' && isValidDate(value) ? undefined : 'expected a date as YYYY-MM-DD';
    case datatypes.atomicUrl:
      return isResourceRef(value) ? undefined : 'expected a resource URL';
    case datatypes.uri:
      return typeof value === 'string' && URL.canParse(value) ? undefined : 'expected a URI';
    case datatypes.resourceArray:
      return Array.isArray(value) && value.every(isResourceRef) ? undefined : 'expected an array of resource URLs';
    default:
      return undefined;
  }
}
