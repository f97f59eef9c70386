// Asking the person at the terminal, with @inquirer/prompts. Every question has a non-interactive
// answer (`--yes` or a flag); without a terminal and without one, the command stops with
// NOT_INTERACTIVE instead of hanging on a prompt nobody sees.

import { CliError } from './errors.js';

/** True when both ends are a terminal, so a prompt can be seen and answered. */
export function isInteractive(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/** Stops with NOT_INTERACTIVE, naming the flag that answers the question instead. */
export function needsTerminal(what: string, flag = '--yes'): never {
  throw new CliError('NOT_INTERACTIVE', `Cannot ask ${what}: there is no terminal`, [`pass ${flag} to answer it in a script`]);
}

// Ctrl+C at a prompt rejects with ExitPromptError; it means "cancel", not a crash.
async function asked<T>(question: () => Promise<T>): Promise<T> {
  try {
    return await question();
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') throw new CliError('CANCELLED', 'Cancelled: nothing was changed');
    throw error;
  }
}

/** Asks yes/no on stderr (stdout stays for `--json`); `false` for no. */
export async function askConfirm(message: string, defaultValue = true): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts');
  return asked(() => confirm({ message, default: defaultValue }, { output: process.stderr }));
}

/** Asks for a line of text, checked by `validate` (a string is the error shown). */
export async function askText(message: string, options: { default?: string; validate?: (value: string) => true | string } = {}): Promise<string> {
  const { input } = await import('@inquirer/prompts');
  return asked(() => input({ message, ...(options.default === undefined ? {} : { default: options.default }), ...(options.validate ? { validate: options.validate } : {}) }, { output: process.stderr }));
}

/** Asks for any number of choices. */
export async function askChoices<T extends string>(message: string, choices: ReadonlyArray<{ value: T; name: string; checked?: boolean }>): Promise<T[]> {
  const { checkbox } = await import('@inquirer/prompts');
  return asked(() => checkbox({ message, choices: choices.map((c) => ({ ...c })) }, { output: process.stderr }));
}

/** Asks for one choice. */
export async function askChoice<T extends string>(message: string, choices: ReadonlyArray<{ value: T; name: string }>): Promise<T> {
  const { select } = await import('@inquirer/prompts');
  return asked(() => select({ message, choices: choices.map((c) => ({ ...c })) }, { output: process.stderr }));
}

/**
 * Confirms an action: `yes` skips the question; without a terminal it is NOT_INTERACTIVE; a "no"
 * is CANCELLED.
 */
export async function confirmOrStop(message: string, yes: boolean): Promise<void> {
  if (yes) return;
  if (!isInteractive()) needsTerminal('for confirmation');
  if (!(await askConfirm(message))) throw new CliError('CANCELLED', 'Cancelled: nothing was changed');
}
