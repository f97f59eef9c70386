// JSON and Atomic Data value types shared by the SDK's hook and host-function modules.

/** Any JSON value. */
export type Json = null | boolean | number | string | Json[] | JsonObject;

/** A JSON object. */
export interface JsonObject {
  [key: string]: Json;
}

/** A resource's property-value pairs, keyed by property URL. */
export type PropVals = JsonObject;
