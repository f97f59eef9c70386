// The agent a browser is signed in as, kept in localStorage under one key so that every page the
// server serves on its origin (the dashboard, the system monitor, the TODO app) shares one sign-in.
// The secret never leaves the browser: pages sign with it, they do not send it.

import { parseSecret, type Agent } from './agent.js';
import { RequestError } from './request.js';

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

/** How a sign-in ended: the agent and what proved it, or why not (`agent` is null when the secret did not parse). */
export type SignIn<T> = { ok: true; agent: Agent; proof: T } | { ok: false; agent: Agent | null; error: unknown };

/**
 * Signs in as the agent of `secret` once `prove` (requests the server must accept as that agent)
 * succeeds, and remembers it for every page of this origin. A secret that does not parse, or that
 * the server refuses (401), is forgotten; one that met a server down is kept for the next visit.
 */
export async function signIn<T>(secret: string, prove: (agent: Agent) => Promise<T>): Promise<SignIn<T>> {
  let agent: Agent;
  try {
    agent = parseSecret(secret);
  } catch (error) {
    forgetAgent();
    return { ok: false, agent: null, error };
  }
  try {
    const proof = await prove(agent);
    rememberAgent(agent);
    return { ok: true, agent, proof };
  } catch (error) {
    if (error instanceof RequestError && error.status === 401) forgetAgent();
    return { ok: false, agent, error };
  }
}
