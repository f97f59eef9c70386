// The plugin's grants on reads, as the page enforces them for one mounted view: the host says which
// subjects the view may read unasked (../access.ts); for the others, the user is asked once per
// batch, naming the plugin and the subjects, and their answer holds for this view until it is closed.

import type { ServerApi } from './server-api.js';
import { h } from '../../app/dom.js';
import { ask } from './dialogs.js';

/** One subject as GET /_dashboard/view/access answers for it. */
interface ReadAccess {
  subject: string;
  readable: boolean;
  inside: boolean;
  allowed: boolean;
}

const PAGE = 100;

/** What a view may read: `filter` keeps the subjects it may see, asking the user where needed. */
export interface ReadGrants {
  /** The subjects of `subjects` the view may read; the user is asked about those beyond its grants. */
  filter(subjects: readonly string[]): Promise<Set<string>>;
  /** Whether the user can read `subject`, and whether it is inside the viewed resource's subtree (never asks). */
  standing(subject: string): Promise<{ readable: boolean; inside: boolean }>;
}

/** The read grants of the view of `plugin` (its id is `pluginId`) on `viewed`. */
export function createReadGrants(api: ServerApi, plugin: string, pluginId: string, viewed: string): ReadGrants {
  const decided = new Map<string, boolean>();

  const access = async (subjects: readonly string[]): Promise<ReadAccess[]> => {
    const answers: ReadAccess[] = [];
    for (let i = 0; i < subjects.length; i += PAGE) {
      const params = new URLSearchParams({ plugin, viewed });
      for (const subject of subjects.slice(i, i + PAGE)) params.append('subject', subject);
      answers.push(...(await api.getJson<{ access: ReadAccess[] }>(`/_dashboard/view/access?${params}`)).access);
    }
    return answers;
  };

  return {
    async standing(subject) {
      const [answer] = await access([subject]);
      return { readable: answer?.readable === true, inside: answer?.inside === true };
    },
    async filter(subjects) {
      const unique = [...new Set(subjects)];
      const open = unique.filter((s) => !decided.has(s));
      if (open.length > 0) {
        const answers = await access(open);
        const beyond: ReadAccess[] = [];
        for (const a of answers) {
          if (!a.readable) decided.set(a.subject, false);
          else if (a.allowed) decided.set(a.subject, true);
          else beyond.push(a);
        }
        if (beyond.length > 0) {
          const outside = beyond.some((a) => !a.inside);
          const yes = await ask({
            title: `Let ${pluginId} read ${beyond.length === 1 ? 'this resource' : `${beyond.length} resources`}?`,
            body: [
              h('p', {}, 
                outside
                  ? `The view of ${pluginId} asks to read outside ${viewed}, the resource it was opened for.`
                  : `The view of ${pluginId} asks to read beyond the plugin's own rights.`,
              ),
              h('pre', { class: 'subjects' }, beyond.map((a) => a.subject).join('\n')),
              h('p', {}, 'It will see what you can see of them.'),
            ],
            confirm: 'Allow',
            cancel: 'Deny',
          });
          for (const a of beyond) decided.set(a.subject, yes);
        }
      }
      return new Set(unique.filter((s) => decided.get(s) === true));
    },
  };
}
