// The todo list's rules: filters, the counter, order, titles.

import { describe, expect, it } from 'vitest';
import { cleanTitle, filterFromHash, hashOf, inOrder, itemsLeftWords, remaining, visible, type Todo } from './todos.js';

const todo = (id: string, completed: boolean, created: number): Todo => ({ subject: `http://localhost/todos/${id}`, id, title: id, completed, created });
const todos = [todo('a', false, 3), todo('b', true, 1), todo('c', false, 2)];

describe('todos', () => {
  it('reads the filter from the URL hash, and back', () => {
    expect(['', '#/', '#/active', '#/completed', '#/other'].map(filterFromHash)).toEqual(['all', 'all', 'active', 'completed', 'all']);
    expect((['all', 'active', 'completed'] as const).map(hashOf)).toEqual(['#/', '#/active', '#/completed']);
  });

  it('shows what each filter asks for', () => {
    expect(visible(todos, 'all').map((t) => t.id)).toEqual(['a', 'b', 'c']);
    expect(visible(todos, 'active').map((t) => t.id)).toEqual(['a', 'c']);
    expect(visible(todos, 'completed').map((t) => t.id)).toEqual(['b']);
  });

  it('counts what is left, in the words TodoMVC uses', () => {
    expect(remaining(todos)).toBe(2);
    expect([0, 1, 2].map(itemsLeftWords)).toEqual(['items left', 'item left', 'items left']);
  });

  it('orders by creation, then id', () => {
    expect(inOrder([...todos, todo('0', false, 2)]).map((t) => t.id)).toEqual(['b', '0', 'c', 'a']);
  });

  it('trims titles', () => {
    expect(cleanTitle('  buy milk \n')).toBe('buy milk');
    expect(cleanTitle('   ')).toBe('');
  });
});
