// The crud suite: the CRUD JSON plugin (plugins/crud) built with the CLI's build code, signed,
// uploaded and installed into a host child process, then the same resources created two ways at
// each concurrency in one run: POST /crud/{class} (a signed request; the plugin checks the body
// against the class and commits on the requester's behalf) and signed commits POSTed to /commit
// directly (pre-signed, as in the host suite).

import { join } from 'node:path';
import { buildPlugin } from '../cli/lib/plugin-build.js';
import { packageRoot } from '../cli/lib/assemblyscript.js';
import { signRequestHeaders } from '../server/atomic/auth.js';
import { classes, props } from '../server/atomic/urls.js';
import { signPackage } from '../server/plugins/package.js';
import { withCpu } from './child.js';
import { BenchSigner, commitBody, commitRequest, sendExpecting, startHostProcess, uploadPackage, type Progress } from './commit-ingestion.js';
import { describe, HttpClient, runConcurrent, type LoadStats } from './load.js';

/** The class the benchmark creates instances of, by its shortname. */
const SHORTNAME = 'benchitem';
/** The permissions plugins/crud asks for, all granted. */
const CRUD_PERMISSIONS = ['read', 'write', 'full-drive-access'];
/** Request signatures are valid for 30 s; sign again well before that. */
const RESIGN_MS = 10_000;

/** How the crud suite runs. */
export interface CrudSuiteOptions {
  levels: number[];
  warmupMs: number;
  durationMs: number;
  maxOps: number;
  /** Direct commits to pre-sign for a phase at concurrency c. */
  commitBudget: (concurrency: number) => number;
  dataDir: string;
  progress: Progress;
}

/** What the crud suite measured: each list has one entry per concurrency. */
export interface CrudSuiteResult {
  /** POST /crud/benchitem, 201 each. */
  crudCreate: LoadStats[];
  /** The same resources as pre-signed commits to /commit, 200 each. */
  directCommit: LoadStats[];
  packageBytes: number;
}

/** The name and description of resource `i`: the same bytes whichever way it is created. */
function fields(i: number): { name: string; description: string } {
  return { name: `Bench item ${i}`, description: `Item number ${i}, created by the crud benchmark.` };
}

export async function runCrudSuite(options: CrudSuiteOptions): Promise<CrudSuiteResult> {
  const { progress } = options;
  const built = await buildPlugin(join(packageRoot, 'plugins', 'crud'), { progress: (line) => progress(`crud: ${line}`) });
  progress('crud: starting atomic-plugin serve (child process)');
  const { child, owner } = await startHostProcess(options.dataDir);
  const url = child.info.url;
  const signer = new BenchSigner(owner);
  const client = new HttpClient('127.0.0.1', child.info.port, Math.max(...options.levels), new URL(url).host);
  const commit = (what: string, changes: Parameters<BenchSigner['sign']>[0]): Promise<void> =>
    sendExpecting(client, what, commitRequest(commitBody(signer.sign(changes, Date.now()))));
  const result: CrudSuiteResult = { crudCreate: [], directCommit: [], packageBytes: 0 };
  try {
    const signed = signPackage(built.zip, owner);
    result.packageBytes = signed.length;
    const packageUrl = await uploadPackage(url, signed, 'application/zip', owner);
    await commit('installing atomic/crud', {
      subject: `${url}/plugins/installed/atomic-crud`,
      set: { [props.isA]: [classes.plugin], [props.parent]: url, [props.plugin.file]: packageUrl, [props.plugin.permissions]: CRUD_PERMISSIONS },
    });
    // The server answers 404 on /crud until the installation is active.
    for (let tries = 0; (await client.send({ method: 'GET', path: '/crud', headers: { accept: 'application/json' } })).status === 404; tries++) {
      if (tries > 100) throw new Error('atomic/crud did not become active');
      await new Promise((r) => setTimeout(r, 100));
    }
    const classUrl = `${url}/bench-ontology/${SHORTNAME}`;
    await commit('creating the class', {
      subject: classUrl,
      set: { [props.isA]: [classes.class], [props.parent]: url, [props.shortname]: SHORTNAME, [props.requires]: [props.name], [props.recommends]: [props.description] },
    });

    const crudPath = `/crud/${SHORTNAME}`;
    let headers = { signedAt: 0, value: {} as Record<string, string> };
    const auth = (): Record<string, string> => {
      if (Date.now() - headers.signedAt > RESIGN_MS) headers = { signedAt: Date.now(), value: signRequestHeaders(`${url}${crudPath}`, owner) };
      return headers.value;
    };
    let nextCrud = 0;
    const crudOp = client.op(() => ({
      method: 'POST',
      path: crudPath,
      headers: { 'content-type': 'application/json', accept: 'application/json', ...auth() },
      body: Buffer.from(JSON.stringify(fields(nextCrud++)), 'utf8'),
    }), 201);
    let nextDirect = 0;
    const directBodies = (count: number): Buffer[] => {
      const first = nextDirect;
      nextDirect += count;
      return signer
        .signMany(first, count, (i) => ({
          subject: `${url}/bench-direct-${i}`,
          set: { [props.isA]: [classUrl], [props.parent]: url, [props.name]: fields(i).name, [props.description]: fields(i).description },
        }))
        .map(commitBody);
    };
    const directOp = (bodies: Buffer[]) => client.op((i) => commitRequest(bodies[i] ?? Buffer.alloc(0)));
    const measured = async (work: () => Promise<LoadStats>): Promise<LoadStats> => {
      const { result: stats, cpu } = await withCpu(child.process.pid, work);
      if (cpu) stats.serverCpu = cpu;
      return stats;
    };

    // Warm both paths (the plugin's sandbox starts with its first call).
    const warmLevel = Math.max(...options.levels);
    await runConcurrent(warmLevel, { maxOps: options.maxOps, durationMs: options.warmupMs }, crudOp);
    const warmBodies = directBodies(options.commitBudget(warmLevel));
    await runConcurrent(warmLevel, { maxOps: warmBodies.length, durationMs: options.warmupMs }, directOp(warmBodies));

    for (const c of options.levels) {
      const bodies = directBodies(Math.min(options.maxOps, options.commitBudget(c)));
      const direct = await measured(() => runConcurrent(c, { maxOps: bodies.length, durationMs: options.durationMs }, directOp(bodies)));
      progress(`crud: direct signed commits C=${c} ${describe(direct)}`);
      result.directCommit.push(direct);
      const viaCrud = await measured(() => runConcurrent(c, { maxOps: options.maxOps, durationMs: options.durationMs }, crudOp));
      progress(`crud: POST ${crudPath} C=${c} ${describe(viaCrud)}`);
      result.crudCreate.push(viaCrud);
    }
  } finally {
    client.close();
    progress('crud: stopping');
    await child.stop();
  }
  return result;
}
