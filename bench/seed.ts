// Benchmark data written straight into a data folder before the server starts: each resource is
// made by a commit signed by the owner and applied with the protocol's own applyCommit, exactly
// what POST /commit would store, but thousands per LMDB transaction instead of one: going through
// HTTP would make the setup take longer than the measurements.

import { mkdirSync } from 'node:fs';
import type { AgentIdentity } from '../server/atomic/agent.js';
import { applyCommit, commitSubject, commitToPropVals, type CommitChanges } from '../server/atomic/commit.js';
import { CommitProcessor } from '../server/commits.js';
import { storePath } from '../server/data-dir.js';
import { HostEvents } from '../server/events.js';
import { claimDataDir, initialize, syncOntology } from '../server/init.js';
import { LmdbStore } from '../server/store/lmdb-store.js';
import { BenchSigner } from './commit-ingestion.js';

/** Resources written per LMDB transaction. */
const BATCH = 2_000;

/**
 * Initializes `dataDir` for `serverUrl` as `serve` would (owner agent, drive, ontology) and applies
 * `all` in order, signed by the owner. Resolves with the owner and the number of resources written.
 */
export async function seedResources(dataDir: string, serverUrl: string, all: readonly CommitChanges[]): Promise<{ owner: AgentIdentity; resources: number }> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  claimDataDir(dataDir, serverUrl);
  const store = LmdbStore.open(storePath(dataDir));
  try {
    const commits = new CommitProcessor(store, serverUrl, new HostEvents());
    await syncOntology(store);
    const { owner } = await initialize(store, commits, serverUrl, dataDir);
    const signer = new BenchSigner(owner);
    const signed = signer.signMany(0, all.length, (i) => all[i]!);
    for (let from = 0; from < signed.length; from += BATCH) {
      await store.transact((txn) => {
        for (const commit of signed.slice(from, from + BATCH)) {
          const id = commitSubject(serverUrl, commit);
          const after = applyCommit(txn.get(commit.subject), commit, id);
          if (after) txn.put(commit.subject, after);
          txn.put(id, commitToPropVals(commit));
        }
      });
    }
    return { owner, resources: signed.length };
  } finally {
    await store.close();
  }
}
