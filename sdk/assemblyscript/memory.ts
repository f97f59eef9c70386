// Moving bytes between the plugin's linear memory and Extism's memory blocks (the input, the
// output, host function requests and answers) with the host's bulk copies (`atomic:host/memory`,
// docs/plugins/abi.md): one import call per block, where the Extism kernel moves 8 bytes per call.

import { alloc, free, input_length, length, output_set } from "@extism/as-pdk/lib/env";

// The kernel has it; as-pdk 1.0.0 does not declare it.
@external("extism:host/env", "input_offset")
declare function input_offset(): u64;
@external("atomic:host/memory", "read")
declare function memory_read(offset: u64, dest: usize, length: usize): void;
@external("atomic:host/memory", "write")
declare function memory_write(src: usize, length: usize): u64;

/** Copies `bytes` into a new Extism memory block; returns its offset. */
export function writeBlock(bytes: Uint8Array): u64 {
  return memory_write(bytes.dataStart, <usize>bytes.length);
}

function copyOut(offset: u64, n: u64): Uint8Array {
  const bytes = new Uint8Array(<i32>n);
  if (n > 0) memory_read(offset, bytes.dataStart, <usize>n);
  return bytes;
}

/** Reads (and frees) an Extism memory block. */
export function readBlock(offset: u64): Uint8Array {
  const bytes = copyOut(offset, length(offset));
  free(offset);
  return bytes;
}

/** The call's input. */
export function readInput(): Uint8Array {
  const n = input_length();
  return n == 0 ? new Uint8Array(0) : copyOut(input_offset(), n);
}

/** Sets the call's output. */
export function writeOutput(bytes: Uint8Array): void {
  output_set(bytes.length == 0 ? alloc(0) : writeBlock(bytes), <u64>bytes.length);
}
