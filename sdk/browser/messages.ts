// What pages say when something fails: the same words on every page, and free of the DOM so that
// they can be tested anywhere.

import type { Agent } from './agent.js';

/** The message of anything thrown, for a page to show. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What a page says of a failed sign-in: as whom it failed and why (`hint` goes after the reason). */
export function signInFailure(failed: { agent: Agent | null; error: unknown }, hint = ''): string {
  return failed.agent ? `Signing in as ${failed.agent.subject} failed: ${errorMessage(failed.error)}${hint}` : errorMessage(failed.error);
}
