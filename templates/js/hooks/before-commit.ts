
/**
 * Refuses a commit that sets an empty name; lets every other commit through. plugin.json's
 * `"beforeCommit": {}` runs it for every resource, and a failure refuses the commit: narrow it
 * with `{"classes": ["<class URL>"]}` to the resources it is about.
 */
export function before_commit(): number {
  const event = readCommitEvent();
  const name = event.setValue('https://atomicdata.dev/properties/name');
  if (typeof name === 'string' && name.trim().length === 0) reject('a name cannot be empty');
  else allow();
  return 0;
}
