
/** Logs every stored commit (fails open: an error here never undoes the commit). */
export function after_commit(): i32 {
  const event = readCommitEvent();
  log(LogLevel.Debug, "commit on " + event.subject + " by " + event.signer);
  return 0;
}
