// The TodoMVC app in the page /todo/: signs in with an agent secret kept in the browser (the one
// sign-in every page of the server shares, sdk/browser), loads the todos from the CRUD API and turns
// the TodoMVC gestures (add, edit, toggle, toggle all, delete, clear completed, filters in the URL
// hash) into its requests. The list shows what the server confirmed, so what is on screen is what a
// reload shows; a refusal is shown in the page.

import { errorMessage, forgetAgent, RequestError, signIn, signInFailure, storedAgent } from 'atomic-plugin/sdk/browser';
import { createTodoApi, type TodoApi, type TodoChanges } from './api.js';
import { cleanTitle, filterFromHash, inOrder, type Todo } from './todos.js';
import { findElements, render, type ViewState } from './view.js';

function meta(name: string): string {
  const content = document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content;
  if (!content) throw new Error(`the page has no <meta name="${name}">`);
  return content;
}

const el = findElements();
const list = meta('todo-list');
const apiBase = meta('todo-api');
const state: ViewState = { agent: null, todos: [], filter: filterFromHash(location.hash), editing: null, error: null, list };
let api: TodoApi | null = null;
// Rebuilding the list takes the focus from an edit field; that is not the user leaving it.
let rendering = false;

function show(): void {
  rendering = true;
  try {
    render(el, state);
  } finally {
    rendering = false;
  }
}

/** Runs the requests of one gesture; the first refusal is shown, the rest of the list is kept. */
async function run(what: string, requests: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(requests);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  state.error = failed ? `${what} failed: ${errorMessage(failed.reason)}` : null;
  if (failed?.reason instanceof RequestError && failed.reason.status === 401) state.error += ' Sign out and sign in again.';
  show();
}

function replace(todo: Todo): void {
  state.todos = inOrder([...state.todos.filter((t) => t.id !== todo.id), todo]);
}

function drop(todo: Todo): void {
  state.todos = state.todos.filter((t) => t.id !== todo.id);
}

function update(todo: Todo, changes: TodoChanges): Promise<void> {
  return api!.update(todo, changes).then(replace);
}

function remove(todo: Todo): Promise<void> {
  return api!.remove(todo).then(() => drop(todo));
}

function todoOf(target: EventTarget | null): Todo | undefined {
  const id = target instanceof Element ? target.closest('li')?.dataset.id : undefined;
  return state.todos.find((t) => t.id === id);
}

async function signInAs(secret: string): Promise<void> {
  const result = await signIn(secret, async (agent) => {
    const candidate = createTodoApi(apiBase, list, agent);
    return { candidate, todos: await candidate.list() };
  });
  if (!result.ok) {
    const hint = result.error instanceof RequestError && result.error.status === 404 ? ` (is the CRUD plugin atomic/crud installed? It serves ${apiBase}.)` : '';
    state.error = signInFailure(result, hint);
    return show();
  }
  api = result.proof.candidate;
  state.todos = inOrder(result.proof.todos);
  state.agent = result.agent.subject;
  state.error = null;
  el.secret.value = '';
  show();
  el.newTodo.focus();
}

function signOut(): void {
  forgetAgent();
  api = null;
  Object.assign(state, { agent: null, todos: [], editing: null, error: null });
  show();
  el.secret.focus();
}

function finishEdit(): void {
  const editing = state.editing;
  if (!editing) return;
  state.editing = null;
  const todo = state.todos.find((t) => t.id === editing.id);
  const title = cleanTitle(editing.draft);
  if (!todo || title === todo.title) return show();
  show();
  if (title === '') void run(`Deleting "${todo.title}"`, [remove(todo)]);
  else void run(`Renaming "${todo.title}"`, [update(todo, { title })]);
}

el.signIn.addEventListener('submit', (event) => {
  event.preventDefault();
  void signInAs(el.secret.value);
});

el.signOut.addEventListener('click', signOut);

el.newTodo.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter' || event.isComposing) return;
  const title = cleanTitle(el.newTodo.value);
  if (title === '') return;
  el.newTodo.value = '';
  void run(`Adding "${title}"`, [api!.create(title).then(replace)]);
});

el.toggleAll.addEventListener('change', () => {
  const completed = el.toggleAll.checked;
  void run(completed ? 'Completing all' : 'Reopening all', state.todos.filter((t) => t.completed !== completed).map((t) => update(t, { completed })));
});

el.clearCompleted.addEventListener('click', () => {
  void run('Clearing completed', state.todos.filter((t) => t.completed).map(remove));
});

el.list.addEventListener('change', (event) => {
  const target = event.target as HTMLInputElement;
  const todo = todoOf(target);
  if (!todo || !target.classList.contains('toggle')) return;
  void run(`Updating "${todo.title}"`, [update(todo, { completed: target.checked })]);
});

el.list.addEventListener('click', (event) => {
  const todo = todoOf(event.target);
  if (todo && (event.target as Element).classList.contains('destroy')) void run(`Deleting "${todo.title}"`, [remove(todo)]);
});

el.list.addEventListener('dblclick', (event) => {
  const todo = todoOf(event.target);
  if (!todo || (event.target as Element).tagName !== 'LABEL') return;
  state.editing = { id: todo.id, draft: todo.title };
  show();
});

el.list.addEventListener('input', (event) => {
  const target = event.target as HTMLInputElement;
  if (state.editing && target.classList.contains('edit')) state.editing.draft = target.value;
});

el.list.addEventListener('keydown', (event) => {
  if (!(event.target as Element).classList.contains('edit') || event.isComposing) return;
  if (event.key === 'Enter') finishEdit();
  else if (event.key === 'Escape') {
    state.editing = null;
    show();
  }
});

el.list.addEventListener('focusout', (event) => {
  if (!rendering && (event.target as Element).classList.contains('edit')) finishEdit();
});

window.addEventListener('hashchange', () => {
  state.filter = filterFromHash(location.hash);
  show();
});

const stored = storedAgent();
show();
if (stored) void signInAs(stored.secret);
else el.secret.focus();
