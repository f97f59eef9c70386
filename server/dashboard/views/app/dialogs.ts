// The questions the page asks the user on a view's behalf (may it read this, sign that), one at a
// time in a modal <dialog> the frames cannot reach. Declining is the default button.

import { h } from '../../app/dom.js';

/** One question: a title, what it is about, and the two answers. */
export interface Question {
  title: string;
  body: Node[];
  confirm: string;
  cancel: string;
}

let queue: Promise<unknown> = Promise.resolve();

function show(question: Question): Promise<boolean> {
  return new Promise((resolve) => {
    const cancel = h('button', { type: 'button', class: 'cancel' }, question.cancel);
    const confirm = h('button', { type: 'button', class: 'confirm' }, question.confirm);
    const dialog = h('dialog', { class: 'ask' }, h('h2', {}, question.title), ...question.body, h('div', { class: 'buttons' }, cancel, confirm));
    const answer = (yes: boolean): void => {
      dialog.close();
      dialog.remove();
      resolve(yes);
    };
    cancel.addEventListener('click', () => answer(false));
    confirm.addEventListener('click', () => answer(true));
    // Escape closes a modal dialog: that is a no.
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      answer(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

/** Asks the user; resolves true for the confirm button. Questions wait for the one before. */
export function ask(question: Question): Promise<boolean> {
  const answer = queue.then(() => show(question));
  queue = answer.catch(() => false);
  return answer;
}

