// The datatype of each property, as the server defines it: read once per property with
// `get_resource` (the plugin's agent resolves the server's own properties and the built-in
// ontology alike) and kept until a commit changes the property.

import { getResource, HostError } from 'atomic-plugin/sdk/node';
import { atomic } from './atomic-rdf.js';

/** What the plugin knows of a property URL. */
export interface PropertyType {
  /** False when the URL is no Property on this server (or cannot be resolved). */
  readonly isProperty: boolean;
  readonly datatype?: string;
}

/** A cache of property datatypes. */
export class PropertyTypes {
  readonly #known = new Map<string, PropertyType>();

  /** The datatype of a property already looked up (see {@link PropertyTypes.load}). */
  datatypeOf = (property: string): string | undefined => this.#known.get(property)?.datatype;

  /** Looks up the properties not known yet. */
  async load(properties: Iterable<string>): Promise<void> {
    for (const property of new Set(properties)) {
      if (this.#known.has(property)) continue;
      this.#known.set(property, await this.#fetch(property));
    }
  }

  /** What `property` is, looked up if needed. */
  async get(property: string): Promise<PropertyType> {
    await this.load([property]);
    return this.#known.get(property)!;
  }

  /** Forgets a property whose definition changed. */
  forget(subject: string): void {
    this.#known.delete(subject);
  }

  async #fetch(property: string): Promise<PropertyType> {
    try {
      const resource = await getResource(property);
      const classes = resource[atomic.isA];
      const datatype = resource[atomic.datatype];
      const isProperty = Array.isArray(classes) && classes.includes(atomic.propertyClass);
      return typeof datatype === 'string' ? { isProperty, datatype } : { isProperty };
    } catch (error) {
      if (error instanceof HostError) return { isProperty: false };
      throw error;
    }
  }
}
