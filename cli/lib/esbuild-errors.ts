// esbuild's compile errors as a plugin author wants to read them: one `file:line:column: error`
// line per problem with the offending line under it, the way tsc and asc print theirs.

import { relative } from 'node:path';
import type { BuildFailure, Message } from 'esbuild';
import { CliError } from './errors.js';

/** Whether `error` is esbuild's BuildFailure (it rejects with one for compile errors). */
export function isBuildFailure(error: unknown): error is BuildFailure {
  return error instanceof Error && Array.isArray((error as Partial<BuildFailure>).errors);
}

function formatMessage(message: Message, root: string): string {
  const at = message.location;
  if (!at) return `error: ${message.text}`;
  const file = relative(root, at.file) || at.file;
  // esbuild's columns count from 0; editors and tsc count from 1.
  const head = `${file}:${at.line}:${at.column + 1}: error: ${message.text}`;
  return at.lineText ? `${head}\n    ${at.lineText.trim()}` : head;
}

/**
 * The CLI error for a failed esbuild run of `source` in `root`: BUILD_FAILED with every error at
 * its file:line; anything but a BuildFailure is passed on unchanged.
 */
export function compileError(error: unknown, source: string, root: string): unknown {
  if (!isBuildFailure(error)) return error;
  const report = error.errors.map((m) => formatMessage(m, root)).join('\n');
  return new CliError('BUILD_FAILED', `Compiling ${source} failed:\n${report}`, ['fix the errors above (file:line) and build again']);
}
