// The CRUD plugin's JSON API for todos (`/crud/todo`), as the signed-in agent: every request is
// signed, and every refusal becomes the SDK's RequestError with the server's message.

import { RequestError, signedFetch, type Agent } from 'atomic-plugin/sdk/browser';
import type { Todo } from './todos.js';

/** The changes a todo can take. */
export type TodoChanges = Partial<Pick<Todo, 'title' | 'completed'>>;

/** The operations the app needs. */
export interface TodoApi {
  list(): Promise<Todo[]>;
  create(title: string): Promise<Todo>;
  update(todo: Todo, changes: TodoChanges): Promise<Todo>;
  remove(todo: Todo): Promise<void>;
}

const PAGE_SIZE = 100;

/** The item as the CRUD plugin answers it, as a Todo; `null` if it is not one. */
function toTodo(item: unknown): Todo | null {
  if (item === null || typeof item !== 'object') return null;
  const { '@id': subject, id, title, completed, created } = item as Record<string, unknown>;
  if (typeof subject !== 'string' || typeof id !== 'string' || typeof title !== 'string') return null;
  return { subject, id, title, completed: completed === true, created: typeof created === 'number' ? created : 0 };
}

/** The CRUD API at `base` (e.g. `/crud/todo`) on this page's server, with new todos in `list`. */
export function createTodoApi(base: string, list: string, agent: Agent): TodoApi {
  const request = (method: string, path: string, body?: unknown): Promise<Response> => signedFetch(agent, path, { method, body });
  const item = async (response: Response): Promise<Todo> => {
    const todo = toTodo(await response.json());
    if (!todo) throw new RequestError('The server answered with something that is not a todo.', response.status);
    return todo;
  };
  const itemPath = (todo: Todo): string => `${base}/${encodeURIComponent(todo.id)}`;

  return {
    async list() {
      const todos: Todo[] = [];
      for (let page = 0; ; page++) {
        const query = new URLSearchParams({ parent: list, page: String(page), pageSize: String(PAGE_SIZE) });
        const answer = (await (await request('GET', `${base}?${query}`)).json()) as { items?: unknown[]; total?: number };
        const items = answer.items ?? [];
        for (const entry of items) {
          const todo = toTodo(entry);
          if (todo) todos.push(todo);
        }
        if (items.length < PAGE_SIZE || (page + 1) * PAGE_SIZE >= (answer.total ?? 0)) return todos;
      }
    },
    async create(title) {
      return item(await request('POST', base, { title, completed: false, created: Date.now(), parent: list }));
    },
    async update(todo, changes) {
      return item(await request('PATCH', itemPath(todo), changes));
    },
    async remove(todo) {
      await request('DELETE', itemPath(todo));
    },
  };
}
