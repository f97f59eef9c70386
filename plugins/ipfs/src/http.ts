// HTTP refusals of the plugin: the SDK's HttpError every handler throws (re-exported here), and the
// refusals its handlers share (a missing parameter, a commit the server refused).

import { HostError, HttpError } from 'atomic-plugin/sdk/node';

export { errorReply, HttpError } from 'atomic-plugin/sdk/node';

/** A required query parameter, or a 400 naming it. */
export function required(query: Readonly<Record<string, string>>, name: string, what: string): string {
  const value = query[name];
  if (value === undefined || value === '') throw new HttpError(400, `give ${what} as ?${name}=`);
  return value;
}

/** A commit the server refused, as HTTP: 401/403 for rights, 400 for values it does not take. */
export function commitRefusal(error: unknown): unknown {
  if (!(error instanceof HostError)) return error;
  const status = error.code === 'UNAUTHORIZED' ? 401 : error.code === 'FORBIDDEN' ? 403 : 400;
  return new HttpError(status, `the server refused the commit: ${error.message}`);
}
