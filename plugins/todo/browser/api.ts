// The CRUD plugin's JSON API for todos (`/crud/todo`), as the signed-in agent: every request is
// signed (agent.ts), and every refusal becomes an ApiError with the server's message.

import { signedHeaders, type Agent } from 'atomic-plugin/sdk/browser';
import type { Todo } from './todos.js';

/** A request the server refused, or could not be made. */
export class ApiError extends Error {
  constructor(
    message: string,
    /** The HTTP status; 0 when the server could not be reached. */
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The changes a todo can take. */
export type TodoChanges = Partial<Pick<Todo, 'title' | 'completed'>>;

/** The operations the app needs. */
export interface TodoApi {
  list(): Promise<Todo[]>;
  create(title: string): Promise<Todo>;
  update(todo: Todo, changes: TodoChanges): Promise<Todo>;
  remove(todo: Todo): Promise<void>;
}

const DESCRIPTION = 'https://atomicdata.dev/properties/description';
const PAGE_SIZE = 100;

/** The item as the CRUD plugin answers it, as a Todo; `null` if it is not one. */
function toTodo(item: unknown): Todo | null {
  if (item === null || typeof item !== 'object') return null;
  const { '@id': subject, id, title, completed, created } = item as Record<string, unknown>;
  if (typeof subject !== 'string' || typeof id !== 'string' || typeof title !== 'string') return null;
  return { subject, id, title, completed: completed === true, created: typeof created === 'number' ? created : 0 };
}

/** The message of an error answer: CRUD's `{"error": "..."}` or the server's Error resource. */
async function errorMessage(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const error = body.error;
    if (typeof error === 'string') return typeof body.field === 'string' ? `${error} (${body.field})` : error;
    if (error !== null && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
    if (typeof body[DESCRIPTION] === 'string') return body[DESCRIPTION] as string;
  } catch {
    // not JSON: the text itself, if short enough to show
  }
  return text.length > 0 && text.length < 300 ? text : response.statusText || `HTTP ${response.status}`;
}

/** The CRUD API at `base` (e.g. `/crud/todo`) on this page's server, with new todos in `list`. */
export function createTodoApi(base: string, list: string, agent: Agent): TodoApi {
  const request = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const url = new URL(path, location.origin).href;
    const headers: Record<string, string> = { accept: 'application/json', ...signedHeaders(agent, url) };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    } catch (error) {
      throw new ApiError(`The server cannot be reached: ${(error as Error).message}`, 0);
    }
    if (!response.ok) throw new ApiError(await errorMessage(response), response.status);
    return response;
  };
  const item = async (response: Response): Promise<Todo> => {
    const todo = toTodo(await response.json());
    if (!todo) throw new ApiError('The server answered with something that is not a todo.', response.status);
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
