// Signing in on the view page when this browser holds no agent yet: the secret is checked, kept in
// localStorage (the one sign-in every page of the server shares, sdk/browser) and the page reloads.

import { parseSecret, rememberAgent } from 'atomic-plugin/sdk/browser';

/** A form that asks for an agent secret. */
export function signInForm(): HTMLFormElement {
  const form = document.createElement('form');
  form.className = 'sign-in';
  const label = document.createElement('label');
  label.htmlFor = 'secret';
  label.textContent = 'Sign in with your agent secret to see this page';
  const input = document.createElement('input');
  input.id = 'secret';
  input.type = 'password';
  input.autocomplete = 'current-password';
  input.required = true;
  const button = document.createElement('button');
  button.type = 'submit';
  button.textContent = 'Sign in';
  const error = document.createElement('p');
  error.className = 'error';
  error.hidden = true;
  form.append(label, input, button, error);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    try {
      rememberAgent(parseSecret(input.value));
      location.reload();
    } catch (e) {
      error.textContent = (e as Error).message;
      error.hidden = false;
    }
  });
  return form;
}
