// Drawing the app from its state: the page's fixed parts (index.html) are shown, hidden and
// filled in, the list is rebuilt. Titles go in as text, never as HTML.

import { hashOf, itemsLeftWords, remaining, visible, type Filter, type Todo } from './todos.js';

/** The page's elements the app uses. */
export interface Elements {
  newTodo: HTMLInputElement;
  signIn: HTMLFormElement;
  secret: HTMLTextAreaElement;
  main: HTMLElement;
  toggleAll: HTMLInputElement;
  list: HTMLUListElement;
  footer: HTMLElement;
  count: HTMLElement;
  filters: HTMLAnchorElement[];
  clearCompleted: HTMLButtonElement;
  error: HTMLElement;
  editHint: HTMLElement;
  session: HTMLElement;
  agent: HTMLElement;
  signOut: HTMLButtonElement;
  listName: HTMLElement;
}

function find<T extends Element>(selector: string): T {
  const element = document.querySelector<T>(selector);
  if (!element) throw new Error(`the page has no ${selector}`);
  return element;
}

/** Finds the elements in the page. */
export function findElements(): Elements {
  return {
    newTodo: find('.new-todo'),
    signIn: find('.sign-in'),
    secret: find('#secret'),
    main: find('.main'),
    toggleAll: find('.toggle-all'),
    list: find('.todo-list'),
    footer: find('.footer'),
    count: find('.todo-count'),
    filters: [...document.querySelectorAll<HTMLAnchorElement>('.filters a')],
    clearCompleted: find('.clear-completed'),
    error: find('.error'),
    editHint: find('.hint-edit'),
    session: find('.session'),
    agent: find('.session .agent'),
    signOut: find('.sign-out'),
    listName: find('.info .list'),
  };
}

/** What the page shows. */
export interface ViewState {
  /** The signed-in agent's subject; `null` shows the sign-in form. */
  agent: string | null;
  todos: readonly Todo[];
  filter: Filter;
  /** The id of the todo being edited, and the text in its field. */
  editing: { id: string; draft: string } | null;
  error: string | null;
  list: string;
}

function item(todo: Todo, editing: ViewState['editing']): HTMLLIElement {
  const li = document.createElement('li');
  li.dataset.id = todo.id;
  li.classList.toggle('completed', todo.completed);
  const view = document.createElement('div');
  view.className = 'view';
  const toggle = document.createElement('input');
  toggle.className = 'toggle';
  toggle.type = 'checkbox';
  toggle.checked = todo.completed;
  toggle.setAttribute('aria-label', `Completed: ${todo.title}`);
  const label = document.createElement('label');
  label.textContent = todo.title;
  const destroy = document.createElement('button');
  destroy.className = 'destroy';
  destroy.type = 'button';
  destroy.textContent = '×';
  destroy.setAttribute('aria-label', `Delete: ${todo.title}`);
  view.append(toggle, label, destroy);
  li.append(view);
  if (editing?.id === todo.id) {
    li.classList.add('editing');
    const edit = document.createElement('input');
    edit.className = 'edit';
    edit.value = editing.draft;
    edit.setAttribute('aria-label', `Edit: ${todo.title}`);
    li.append(edit);
  }
  return li;
}

/** Brings the page in line with `state`. */
export function render(el: Elements, state: ViewState): void {
  const signedIn = state.agent !== null;
  el.signIn.hidden = signedIn;
  el.newTodo.hidden = !signedIn;
  el.session.hidden = !signedIn;
  el.agent.textContent = state.agent ?? '';
  el.listName.textContent = state.list;
  el.error.hidden = state.error === null;
  el.error.textContent = state.error ?? '';

  const any = signedIn && state.todos.length > 0;
  el.main.hidden = !any;
  el.footer.hidden = !any;
  el.editHint.hidden = !any;
  const left = remaining(state.todos);
  el.toggleAll.checked = any && left === 0;
  el.list.replaceChildren(...visible(state.todos, state.filter).map((todo) => item(todo, state.editing)));

  const strong = document.createElement('strong');
  strong.textContent = String(left);
  el.count.replaceChildren(strong, ` ${itemsLeftWords(left)}`);
  for (const link of el.filters) link.classList.toggle('selected', link.getAttribute('href') === hashOf(state.filter));
  el.clearCompleted.hidden = left === state.todos.length;

  const edit = el.list.querySelector<HTMLInputElement>('li.editing .edit');
  if (edit && document.activeElement !== edit) {
    edit.focus();
    edit.setSelectionRange(edit.value.length, edit.value.length);
  }
}
