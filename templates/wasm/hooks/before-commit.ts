
/** Refuses a commit that sets an empty name; lets every other commit through. */
export function before_commit(): i32 {
  const event = readCommitEvent();
  const name = event.setValue("https://atomicdata.dev/properties/name");
  if (name !== null && name.asString().trim().length == 0) reject("a name cannot be empty");
  else allow();
  return 0;
}
