// Who may do what, asked of the server (host function `can`), and the refusals that follow:
// 404 for what does not exist, 401 for an anonymous requester who would need to sign, 403 for an
// agent without the right. Operators are agents with write rights on the drive.

import { can, getResource, HostError, type Resource } from 'atomic-plugin/sdk/node';
import { HttpError } from './http.js';

export type Right = 'read' | 'write' | 'append';

/** A resource as the server has it now, or undefined when it does not exist. */
export async function readResource(subject: string): Promise<Resource | undefined> {
  try {
    return await getResource(subject);
  } catch (error) {
    if (error instanceof HostError && (error.code === 'NOT_FOUND' || error.code === 'FORBIDDEN' || error.code === 'UNAUTHORIZED')) return undefined;
    throw error;
  }
}

/** The resource at `subject` when `agent` has `right` on it; 404, 401 or 403 otherwise. */
export async function requireRight(agent: string | null, right: Right, subject: string): Promise<Resource> {
  const resource = await readResource(subject);
  if (!resource) throw new HttpError(404, `${subject} does not exist`);
  if ((await can(agent, right, [subject])).length > 0) return resource;
  if (agent === null) throw new HttpError(401, `sign the request as an agent with ${right} rights on ${subject}`);
  // Whoever may not even read it learns nothing more about it.
  if (right !== 'read' && (await can(agent, 'read', [subject])).length === 0) throw new HttpError(404, `${subject} does not exist`);
  throw new HttpError(403, `${agent} has no ${right} rights on ${subject}`);
}

/** Refuses anyone but an agent with write rights on the drive (`server`). */
export async function requireOperator(agent: string | null, server: string, what: string): Promise<void> {
  if (agent === null) throw new HttpError(401, `${what} is for operators: sign the request as an agent with write rights on the drive`);
  if ((await can(agent, 'write', [server])).length === 0) throw new HttpError(403, `${what} is for operators: ${agent} has no write rights on the drive`);
}

/** True when `agent` has write rights on the drive. */
export async function isOperator(agent: string | null, server: string): Promise<boolean> {
  return agent !== null && (await can(agent, 'write', [server])).length > 0;
}
