// The order in which a sandbox takes the calls waiting for it: first come, first served, except
// that urgent calls (CallOptions.urgent: a commit waiting on its before_commit hook) go ahead of
// the rest, in their own arrival order.

/** Adds `job` to `queue` in that order. */
export function enqueue<J extends { readonly urgent: boolean }>(queue: J[], job: J): void {
  const at = job.urgent ? queue.findIndex((queued) => !queued.urgent) : -1;
  if (at === -1) queue.push(job);
  else queue.splice(at, 0, job);
}
