// What the wasm runtime hands a new sandbox worker (`workerData`), on top of the channel's fields.

import type { ChannelInit } from '../worker-channel.js';
import type { WasmModule } from './webassembly.js';

/** The wasm worker's `workerData`. */
export interface WasmWorkerInit extends ChannelInit {
  readonly module: WasmModule;
  /** The plugin's config, readable with Extism `config_get`. */
  readonly config: Readonly<Record<string, string>>;
  /** The module's memory cap in pages, or null: used to recognize a trap as running out of memory. */
  readonly memoryPages: number | null;
}
