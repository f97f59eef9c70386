
/** Logs every stored commit (fails open: an error here never undoes the commit). */
async function after_commit(event: CommitEvent): Promise<void> {
  await log('debug', `commit on ${event.subject} by ${event.signer}`);
}
