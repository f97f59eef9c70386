// The questions `new` asks when it runs in a terminal without --yes; every one has a flag, so a
// script never needs a terminal. Flags that were given are not asked again.

import type { RuntimeKind } from '../../server/plugins/manifest.js';
import { CliError } from './errors.js';
import { askChoice, askChoices, askConfirm, askText, isInteractive } from './prompts.js';
import {
  availableRuntimes,
  checkSlug,
  defaultNameFor,
  hookChoices,
  parseHooks,
  parsePermissions,
  type PermissionRequest,
  type ScaffoldAnswers,
  type ScaffoldHook,
} from './scaffold.js';
import { permissionNames } from '../../server/plugins/manifest.js';

/** What the flags of `new` said (all optional). */
export interface ScaffoldFlags {
  name?: string;
  namespace?: string;
  description?: string;
  runtime?: string;
  hooks?: string[];
  permissions?: string[];
  yes: boolean;
}

const DEFAULT_HOOKS: ScaffoldHook[] = ['endpoint'];

function slugOrThrow(value: string, what: string): string {
  const problem = checkSlug(value);
  if (problem !== true) throw new CliError('INVALID_INPUT', `Invalid ${what} "${value}": ${problem}`);
  return value;
}

function runtimeOrThrow(value: string): RuntimeKind {
  const available = availableRuntimes();
  if (available.includes(value as RuntimeKind)) return value as RuntimeKind;
  throw new CliError('INVALID_INPUT', `Unknown runtime "${value}"`, [`choose ${available.join(' or ')}`]);
}

/**
 * The answers for `new`: from the flags, with defaults under `--yes` (or without a terminal), and
 * asked for in a terminal otherwise.
 */
export async function gatherAnswers(flags: ScaffoldFlags): Promise<ScaffoldAnswers> {
  const ask = !flags.yes && isInteractive();
  if (!ask && !flags.name) {
    throw new CliError('INVALID_INPUT', 'Give the plugin a name: `atomic-plugin new <name> --yes`', ['or run it in a terminal without --yes to be asked']);
  }
  const name = flags.name ? slugOrThrow(flags.name, 'name') : await askText('Plugin name', { default: defaultNameFor(process.cwd()), validate: checkSlug });
  const namespace = flags.namespace
    ? slugOrThrow(flags.namespace, 'namespace')
    : ask
      ? await askText('Namespace (yours or your organisation\'s)', { default: 'my', validate: checkSlug })
      : 'my';
  const description = flags.description ?? (ask ? await askText('Description', { default: `The ${name} plugin.` }) : `The ${name} plugin.`);
  const runtime = flags.runtime
    ? runtimeOrThrow(flags.runtime)
    : ask
      ? runtimeOrThrow(await askChoice('Runtime', [
          { value: 'wasm', name: 'wasm: AssemblyScript compiled to WebAssembly' },
          { value: 'js', name: 'js: TypeScript in a QuickJS sandbox' },
          { value: 'process', name: 'process: a Node program of its own' },
        ]))
      : 'wasm';
  let hooks: ScaffoldHook[];
  if (flags.hooks) hooks = parseHooks(flags.hooks);
  else if (ask) hooks = await askChoices('Hooks (space to toggle, enter to accept)', hookChoices(runtime).map((c) => ({ ...c, checked: DEFAULT_HOOKS.includes(c.value) })));
  else hooks = DEFAULT_HOOKS;
  let permissions: PermissionRequest[] = flags.permissions ? parsePermissions(flags.permissions) : [];
  if (!flags.permissions && ask) {
    while (await askConfirm(permissions.length === 0 ? 'Ask for a permission (read, write, storage, …)?' : 'Ask for another permission?', false)) {
      const left = permissionNames.filter((p) => p !== 'network' && !permissions.some((q) => q.name === p));
      const permission = await askChoice('Permission', left.map((p) => ({ value: p, name: p })));
      const reason = await askText(`Why does it need ${permission}? (shown at install)`, { validate: (v) => (v.trim() ? true : 'give a reason') });
      permissions = [...permissions, { name: permission, reason: reason.trim() }];
    }
  }
  return { name, namespace, description, runtime, hooks, permissions };
}
