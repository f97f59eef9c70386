// The confirmation before a plugin is installed or updated: what it is, who signed it, and each
// permission it asks for with its author's reason, as a checkbox (all granted unless the user
// unticks one, as `atomic-plugin install --grant` narrows them). Resolves with the permissions to
// grant, or null when the user cancels (nothing is installed then).

import type { PackageDescription } from '../catalog-types.js';
import { find, h } from './dom.js';

/** What to ask about. */
export interface PermissionRequest {
  /** "Install atomic/crud 0.1.0?" */
  title: string;
  /** The button that confirms: "Install", "Update". */
  action: string;
  pkg: PackageDescription;
  /** Permissions to point out as new (an update asking for more than the installed version has). */
  added?: string[];
}

/** Asks in the page's `<dialog class="confirm-install">`. */
export function askPermissions(request: PermissionRequest): Promise<string[] | null> {
  const dialog = find<HTMLDialogElement>('dialog.confirm-install');
  const { pkg } = request;
  find('#confirm-title', dialog).textContent = request.title;
  find('.confirm-summary', dialog).replaceChildren(
    ...(pkg.description ? [h('span', {}, pkg.description), ' '] : []),
    h('span', { class: `badge ${pkg.signature.status}` }, pkg.signature.status),
    ' ',
    h('span', { class: 'muted' }, pkg.signature.detail),
  );
  const boxes = pkg.permissions.map((permission, i) => {
    const box = h('input', { type: 'checkbox', id: `grant-${i}`, name: permission.name, value: permission.name });
    box.checked = true;
    return box;
  });
  find('.confirm-permissions', dialog).replaceChildren(
    ...(pkg.permissions.length === 0 ? [h('li', { class: 'muted' }, 'None: it can only answer the hooks it declares and log.')] : []),
    ...pkg.permissions.map((permission, i) =>
      h(
        'li',
        {},
        h(
          'label',
          { for: `grant-${i}` },
          boxes[i]!,
          h(
            'span',
            {},
            h('strong', {}, permission.name),
            permission.hosts && permission.hosts.length > 0 ? ` (${permission.hosts.join(', ')})` : '',
            request.added?.includes(permission.name) ? h('span', { class: 'badge signed' }, 'new') : '',
            h('span', { class: 'reason' }, permission.reason),
          ),
        ),
      ),
    ),
  );
  const confirm = find<HTMLButtonElement>('button[value="install"]', dialog);
  confirm.textContent = request.action;
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => resolve(dialog.returnValue === 'install' ? pkg.permissions.map((p) => p.name).filter((_, i) => boxes[i]!.checked) : null),
      { once: true },
    );
    dialog.returnValue = '';
    dialog.showModal();
    confirm.focus();
  });
}
