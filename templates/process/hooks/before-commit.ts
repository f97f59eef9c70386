
/**
 * Refuses a commit that sets an empty name; lets every other commit through. plugin.json's
 * `"beforeCommit": {}` runs it for every resource, and a failure (a throw) refuses the commit:
 * narrow it with `{"classes": ["<class URL>"]}` to the resources it is about.
 */
function before_commit(event: CommitEvent): { allow: boolean; reason?: string } {
  const name = setValue(event, 'https://atomicdata.dev/properties/name');
  if (typeof name === 'string' && name.trim().length === 0) return { allow: false, reason: 'a name cannot be empty' };
  return { allow: true };
}
