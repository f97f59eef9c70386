// Oxigraph's stores live in WebAssembly memory that is returned only by `free()` (wasm-bindgen's,
// which the package's types do not declare); dropping the last reference is not enough.

import type { Store } from 'oxigraph';

/** Returns a store's memory now; the store must not be used afterwards. */
export function freeStore(store: Store): void {
  (store as Store & { free(): void }).free();
}
