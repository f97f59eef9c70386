// The server a conformance run starts for itself when it is given none: a host in this process on
// a free loopback port with a temporary data folder, removed when it stops.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentIdentity } from '../../../server/atomic/agent.js';
import { freePort } from '../free-port.js';
import { startServer } from '../serve.js';

/** A started embedded server. */
export interface EmbeddedServer {
  url: string;
  owner: AgentIdentity;
  /** Stops it and deletes its data folder. */
  stop(): Promise<void>;
}

/** Starts a host with a fresh data folder; `log` hears what it reports while starting. */
export async function startEmbeddedServer(log: (line: string) => void = () => undefined): Promise<EmbeddedServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'atomic-plugin-conformance-'));
  try {
    const port = await freePort();
    const host = await startServer({ dataDir, port, listenHost: '127.0.0.1', log });
    return {
      url: host.url,
      owner: host.owner,
      stop: async () => {
        await host.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}
