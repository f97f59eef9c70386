// Plugin-managed RDF datasets, apart from the mirror of the server's resources: imported
// vocabularies, scratch data, test suites. Each is an Oxigraph store persisted as an N-Quads
// snapshot in the plugin's data folder (written to a temporary file and renamed, so a crash leaves
// the previous snapshot), and loaded again when the plugin starts.

import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from 'oxigraph';
import { ProtocolError } from './http.js';
import { freeStore } from './free-store.js';

const NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const SNAPSHOT = '.nq';

/** Why `name` cannot name a dataset, or undefined. */
export function datasetNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return '"name" must be a string';
  if (name.length > 64 || !NAME.test(name)) return `"${name}" is not a dataset name: use lowercase letters, digits and single dashes, at most 64 characters`;
  return undefined;
}

/** The datasets of one installation. */
export class Datasets {
  readonly #dir: string;
  readonly #stores = new Map<string, Store>();

  /** Loads every snapshot under `<dataDir>/datasets`. */
  constructor(dataDir: string) {
    this.#dir = join(dataDir, 'datasets');
    mkdirSync(this.#dir, { recursive: true });
    for (const file of readdirSync(this.#dir).sort()) {
      if (!file.endsWith(SNAPSHOT) || datasetNameProblem(file.slice(0, -SNAPSHOT.length)) !== undefined) continue;
      const store = new Store();
      store.load(readFileSync(join(this.#dir, file), 'utf8'), { format: 'application/n-quads' });
      this.#stores.set(file.slice(0, -SNAPSHOT.length), store);
    }
  }

  /** The names, sorted. */
  names(): string[] {
    return [...this.#stores.keys()].sort();
  }

  get(name: string): Store | undefined {
    return this.#stores.get(name);
  }

  /** Creates an empty dataset; 409 if one of that name exists. */
  create(name: string): Store {
    if (this.#stores.has(name)) throw new ProtocolError(409, `a dataset named "${name}" already exists`);
    const store = new Store();
    this.#stores.set(name, store);
    this.save(name);
    return store;
  }

  /** Deletes a dataset and its snapshot; 404 if there is none of that name. */
  remove(name: string): void {
    const store = this.#stores.get(name);
    if (!store) throw new ProtocolError(404, `there is no dataset named "${name}"`);
    this.#stores.delete(name);
    rmSync(this.#file(name), { force: true });
    freeStore(store);
  }

  /** Writes the dataset's snapshot; call after every change, before answering. */
  save(name: string): void {
    const store = this.#stores.get(name);
    if (!store) return;
    const file = this.#file(name);
    writeFileSync(`${file}.tmp`, store.dump({ format: 'application/n-quads' }));
    renameSync(`${file}.tmp`, file);
  }

  /** Frees every store (at shutdown). */
  close(): void {
    for (const store of this.#stores.values()) freeStore(store);
    this.#stores.clear();
  }

  #file(name: string): string {
    return join(this.#dir, `${name}${SNAPSHOT}`);
  }
}
