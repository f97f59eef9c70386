
/** Logs every stored commit (fails open: an error here never undoes the commit). */
export function after_commit(): number {
  const event = readCommitEvent();
  log('debug', `commit on ${event.subject} by ${event.signer}`);
  return 0;
}
