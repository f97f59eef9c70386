// Which authenticated agents each installation is serving an HTTP request for right now. A plugin
// may commit on behalf of such an agent (host function `commit` with `on_behalf_of`) and of no one
// else; tracked in the host, so it holds for every runtime alike.

/** Counts in-flight `handle_request` calls per installation and agent. */
export class RequestsInFlight {
  readonly #agents = new Map<string, Map<string, number>>();

  /** Runs `serve` while counting a request of `agent` (undefined: anonymous, not counted) to `installation`. */
  async during<T>(installation: string, agent: string | undefined, serve: () => Promise<T>): Promise<T> {
    if (agent === undefined) return serve();
    const agents = this.#agents.get(installation) ?? new Map<string, number>();
    this.#agents.set(installation, agents);
    agents.set(agent, (agents.get(agent) ?? 0) + 1);
    try {
      return await serve();
    } finally {
      const left = (agents.get(agent) ?? 1) - 1;
      if (left > 0) agents.set(agent, left);
      else agents.delete(agent);
      if (agents.size === 0 && this.#agents.get(installation) === agents) this.#agents.delete(installation);
    }
  }

  /** Whether `installation` is serving a request of `agent` right now. */
  serving(installation: string, agent: string): boolean {
    return (this.#agents.get(installation)?.get(agent) ?? 0) > 0;
  }
}
