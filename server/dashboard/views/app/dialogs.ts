// The questions the page asks the user on a view's behalf (may it read this, sign that), one at a
// time in a modal <dialog> the frames cannot reach. Declining is the default button.

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
    const dialog = document.createElement('dialog');
    dialog.className = 'ask';
    const heading = document.createElement('h2');
    heading.textContent = question.title;
    const buttons = document.createElement('div');
    buttons.className = 'buttons';
    const cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.className = 'cancel';
    cancel.textContent = question.cancel;
    const confirm = document.createElement('button');
    confirm.type = 'button';
    confirm.className = 'confirm';
    confirm.textContent = question.confirm;
    buttons.append(cancel, confirm);
    dialog.append(heading, ...question.body, buttons);
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

/** A paragraph of text. */
export function paragraph(text: string, className?: string): HTMLParagraphElement {
  const p = document.createElement('p');
  p.textContent = text;
  if (className) p.className = className;
  return p;
}

/** Preformatted text (a subject, changes as JSON), wrapped to the dialog's width. */
export function preformatted(text: string, className?: string): HTMLPreElement {
  const pre = document.createElement('pre');
  pre.textContent = text;
  if (className) pre.className = className;
  return pre;
}
