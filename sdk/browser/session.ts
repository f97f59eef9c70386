// The agent a browser is signed in as, kept in localStorage under one key so that every page the
// server serves on its origin (the dashboard, the system monitor, the TODO app) shares one sign-in.
// The secret never leaves the browser: pages sign with it, they do not send it.

import { parseSecret, type Agent } from './agent.js';

/** Where the secret is kept. */
export const SECRET_STORAGE_KEY = 'atomic-plugin.secret';

/** The agent this browser is signed in as, or null (a stored secret that no longer parses is dropped). */
export function storedAgent(): Agent | null {
  const secret = localStorage.getItem(SECRET_STORAGE_KEY);
  if (secret === null) return null;
  try {
    return parseSecret(secret);
  } catch {
    localStorage.removeItem(SECRET_STORAGE_KEY);
    return null;
  }
}

/** Remembers the agent for the next visit of any page on this origin. */
export function rememberAgent(agent: Agent): void {
  localStorage.setItem(SECRET_STORAGE_KEY, agent.secret);
}

/** Signs out on every page of this origin. */
export function forgetAgent(): void {
  localStorage.removeItem(SECRET_STORAGE_KEY);
}
