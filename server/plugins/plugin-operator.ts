// Who may operate an installed plugin through the host's routes (read its log, restart it): an
// agent with write rights on its Plugin resource. One check, so every such route answers alike:
// 401 unsigned, 404 no plugin there, 403 without the rights.

import { AtomicError } from '../atomic/errors.js';
import type { PropVals } from '../atomic/json-ad.js';
import { hasRight } from '../atomic/rights.js';
import { classes, props } from '../atomic/urls.js';
import type { StoreReader } from '../store/store.js';

/**
 * The Plugin resource at `plugin` when `agent` may operate it; throws the AtomicError to answer
 * otherwise. `action` completes "… may not {action}", e.g. "read the log of".
 */
export function requireOperator(store: StoreReader, plugin: string, agent: string | undefined, action: string): PropVals {
  if (agent === undefined) throw new AtomicError('UNAUTHORIZED', "sign the request as an agent with write rights on the plugin's resource");
  const resource = store.get(plugin);
  const isA = resource?.[props.isA];
  if (!resource || !Array.isArray(isA) || !isA.includes(classes.plugin)) throw new AtomicError('NOT_FOUND', `no plugin at ${plugin}`);
  if (!hasRight((s) => store.get(s), resource, agent, 'write')) {
    throw new AtomicError('FORBIDDEN', `${agent} may not ${action} ${plugin}: that needs write rights on it`);
  }
  return resource;
}
