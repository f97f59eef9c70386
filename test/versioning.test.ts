// The versioning plugin (plugins/versioning, contract G) as a user meets it: installed by short name
// with the CLI into a real server, resources edited with @tomic/lib and with signed commits, then
// their history listed, replayed and restored over HTTP by agents with and without rights; what a
// restore writes is read back with @tomic/lib, and the `versions` link it adds to served resources
// resolves through the server's own ontology.

import { Agent, Store, core } from '@tomic/lib';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSecret, type AgentIdentity } from '../server/atomic/agent.js';
import { signRequestHeaders } from '../server/atomic/auth.js';
import { localProps, props, publicAgent } from '../server/atomic/urls.js';
import { cliEnv, expectSuccess, runCli } from './support/cli-run.js';
import { createResource, getAs, ownerOf, postCommit, readResult, registerAgent, uniqueSubject, type HttpResult, type JsonBody } from './support/commits.js';
import { startHostProcess, type HostProcess } from './support/host-process.js';

const name = core.properties.name;
const description = core.properties.description;
const tags = 'https://atomicdata.dev/properties/tags';

/** One entry of `GET /versions`. */
interface VersionEntry {
  commit: string;
  createdAt: number;
  signer: string;
  onBehalfOf?: string;
  set: Record<string, unknown>;
  remove: string[];
  push: Record<string, unknown[]>;
  destroy: boolean;
}

describe('atomic/versioning', () => {
  let host: HostProcess;
  let work: string;
  let owner: AgentIdentity;
  /** An agent with no rights on the drive. */
  let stranger: AgentIdentity;
  /** The installation's agent, which signs the restoring commits. */
  let pluginAgent: string;
  let versionsProperty: string;
  const stores: Store[] = [];

  const storeFor = async (agent: AgentIdentity): Promise<Store> => {
    const store = new Store({ serverUrl: host.url, agent: Agent.fromSecret(encodeSecret(agent)) });
    await store.preloadPropsAndClasses();
    stores.push(store);
    return store;
  };
  /** A request under /versions, signed when `agent` is given. */
  const versions = async (method: 'GET' | 'POST', path: string, agent?: AgentIdentity): Promise<HttpResult> => {
    const url = `${host.url}/versions${path}`;
    const headers = { accept: 'application/json', ...(agent ? signRequestHeaders(url, agent) : {}) };
    return readResult(await fetch(url, { method, headers }));
  };
  const q = (subject: string, commit?: string): string => `?subject=${encodeURIComponent(subject)}${commit === undefined ? '' : `&commit=${encodeURIComponent(commit)}`}`;
  const list = async (subject: string, agent: AgentIdentity = owner): Promise<VersionEntry[]> => {
    const answer = await versions('GET', q(subject), agent);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body!.subject).toBe(subject);
    return answer.body!.versions as VersionEntry[];
  };
  const lastCommitOf = async (subject: string): Promise<unknown> => (await getAs(subject, owner)).body?.[props.lastCommit];

  beforeAll(async () => {
    host = await startHostProcess();
    work = mkdtempSync(join(tmpdir(), 'atomic-plugin-versioning-'));
    owner = ownerOf(host);
    const env = cliEnv(join(work, 'none.json'), { ATOMIC_SERVER_URL: host.url, ATOMIC_AGENT_SECRET: host.secret });
    const installed = expectSuccess<JsonBody>(await runCli(['install', 'versioning', '--yes', '--json'], { env }), 'install versioning');
    expect(installed).toMatchObject({ reference: 'versioning', status: 'active', endpoints: [`${host.url}/versions`] });
    // Its agent is the writer of the drive (full-drive-access) named after the installation.
    const writers = (await getAs(host.url, owner)).body![props.write] as string[];
    for (const writer of writers) if ((await getAs(writer)).body?.[name] === `Plugin ${installed.subject as string}`) pluginAgent = writer;
    expect(pluginAgent).toBeDefined();
    versionsProperty = `${host.url}/versioning-ontology/property/versions`;
    stranger = await registerAgent(host.url, 'Stranger');
  }, 180_000);

  afterAll(async () => {
    for (const store of stores) store.getDefaultWebSocket()?.close();
    await host?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** A note made and edited three times with @tomic/lib, and once with a signed commit that pushes. */
  const editedNote = async (): Promise<{ subject: string; history: VersionEntry[] }> => {
    const store = await storeFor(owner);
    const note = await store.newResource({ parent: host.url, propVals: { [name]: 'First', [description]: 'Written first' } });
    await note.save();
    await note.set(name, 'Second');
    await note.save();
    note.remove(description);
    await note.save();
    const pushed = await postCommit(host.url, { subject: note.subject, push: { [tags]: [`${host.url}/tag-a`] } }, owner);
    expect(pushed.status, pushed.text).toBe(200);
    return { subject: note.subject, history: await list(note.subject) };
  };

  it('lists every commit of a resource, oldest first: time, signer and what changed', async () => {
    const { subject, history } = await editedNote();
    expect(history.map((v) => [v.set[name] ?? null, v.remove, Object.keys(v.push), v.destroy])).toEqual([
      ['First', [], [], false],
      ['Second', [], [], false],
      [null, [description], [], false],
      [null, [], [tags], false],
    ]);
    expect(history[0]!.set).toMatchObject({ [description]: 'Written first', [props.parent]: host.url });
    expect(history[3]!.push[tags]).toEqual([`${host.url}/tag-a`]);
    for (const version of history) {
      expect(version.signer).toBe(owner.subject);
      expect(version.commit).toMatch(`${host.url}/commits/`);
      expect(version).not.toHaveProperty('onBehalfOf');
    }
    const times = history.map((v) => v.createdAt);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(history.at(-1)!.commit).toBe(await lastCommitOf(subject));
  });

  it('lists only for requesters who may read the resource, and says what is wrong with a bad request', async () => {
    const { subject } = await editedNote();
    expect((await versions('GET', q(subject))).status).toBe(401);
    const stranger403 = await versions('GET', q(subject), stranger);
    expect(stranger403.status).toBe(403);
    expect(stranger403.body!.error).toContain('may not read');
    const unknown = await versions('GET', q(`${host.url}/no-such-note`), owner);
    expect(unknown.status).toBe(404);
    expect(unknown.body!.error).toContain('no versions');
    const missing = await versions('GET', '', owner);
    expect(missing.status).toBe(400);
    expect(missing.body!.error).toContain('?subject=');
    expect((await versions('POST', q(subject), owner)).status).toBe(405);
    expect((await versions('GET', `/elsewhere${q(subject)}`, owner)).status).toBe(404);

    // Public resources have a public history.
    const open = uniqueSubject(host.url, 'public-note');
    await createResource(host.url, owner, open, { [name]: 'Open', [props.read]: [publicAgent] });
    expect((await versions('GET', q(open))).body!.versions).toHaveLength(1);
  });

  it('keeps the order the server applied commits in, when clocks disagree and no previousCommit says it', async () => {
    const subject = uniqueSubject(host.url, 'skewed');
    const now = Date.now();
    const made = await postCommit(host.url, { subject, set: { [props.parent]: host.url, [name]: 'One' } }, owner, now);
    // Signed by clocks running behind, each further: by their times they would come first.
    const second = await postCommit(host.url, { subject, set: { [name]: 'Two' } }, owner, now - 60_000);
    const third = await postCommit(host.url, { subject, set: { [name]: 'Three' } }, owner, now - 120_000);
    for (const answer of [made, second, third]) expect(answer.status, answer.text).toBe(200);
    const history = await list(subject);
    expect(history.map((v) => v.set[name])).toEqual(['One', 'Two', 'Three']);
    const at = await versions('GET', `/at${q(subject, history[1]!.commit)}`, owner);
    expect(at.body).toMatchObject({ [name]: 'Two' });
  });

  it('replays the resource as it was right after each commit, as JSON-AD that @tomic/lib reads', async () => {
    const { subject, history } = await editedNote();
    const at = async (i: number): Promise<HttpResult> => versions('GET', `/at${q(subject, history[i]!.commit)}`, owner);
    const first = await at(0);
    expect(first.status, first.text).toBe(200);
    expect(first.headers.get('content-type')).toContain('application/ad+json');
    expect(first.body).toMatchObject({ '@id': `${host.url}/versions/at${q(subject, history[0]!.commit)}`, [name]: 'First', [description]: 'Written first', [props.lastCommit]: history[0]!.commit });
    expect((await at(2)).body).toMatchObject({ [name]: 'Second' });
    expect((await at(2)).body).not.toHaveProperty(description);
    const last = (await at(3)).body!;
    const { '@id': _id, ...now } = (await getAs(subject, owner)).body!;
    delete now[versionsProperty];
    expect({ ...last, '@id': undefined }).toEqual({ ...now, '@id': undefined });

    const reader = await storeFor(owner);
    const version = await reader.fetchResourceFromServer(`${host.url}/versions/at${q(subject, history[1]!.commit)}`);
    expect(version.error).toBeUndefined();
    expect(version.get(name)).toBe('Second');
    expect(version.get(description)).toBe('Written first');

    // Commit URLs end in base64 signatures: a `+` sent unencoded (as the conformance fixtures do)
    // still names the commit.
    for (const { commit } of history) {
      const raw = await versions('GET', `/at?subject=${subject}&commit=${commit}`, owner);
      expect(raw.status, raw.text).toBe(200);
    }

    expect((await versions('GET', `/at${q(subject, history[0]!.commit)}`)).status).toBe(401);
    expect((await versions('GET', `/at${q(subject, history[0]!.commit)}`, stranger)).status).toBe(403);
    expect((await versions('GET', `/at${q(subject)}`, owner)).status).toBe(400);
    expect((await versions('GET', `/at${q(subject, 'not a commit')}`, owner)).status).toBe(400);
    expect((await versions('GET', `/at${q(subject, `${host.url}/commits/nosuch`)}`, owner)).status).toBe(404);
    const other = await editedNote();
    const foreign = await versions('GET', `/at${q(subject, other.history[0]!.commit)}`, owner);
    expect(foreign.status).toBe(400);
    expect(foreign.body!.error).toContain('another resource');
  });

  it('restores a version with a commit on behalf of the owner', async () => {
    const { subject, history } = await editedNote();
    const restored = await versions('POST', `/restore${q(subject, history[0]!.commit)}`, owner);
    expect(restored.status, restored.text).toBe(200);
    expect(restored.body).toMatchObject({ subject, restored: history[0]!.commit, commit: expect.stringContaining(`${host.url}/commits/`) });

    const reader = await storeFor(owner);
    const now = await reader.fetchResourceFromServer(subject);
    expect(now.get(name)).toBe('First');
    expect(now.get(description)).toBe('Written first');
    expect(now.get(tags)).toBeUndefined();
    expect(now.get(props.lastCommit)).toBe(restored.body!.commit);

    const after = await list(subject);
    expect(after).toHaveLength(5);
    expect(after[4]).toMatchObject({ commit: restored.body!.commit, signer: pluginAgent, onBehalfOf: owner.subject, set: { [name]: 'First', [description]: 'Written first' }, remove: [tags] });
    const stored = (await getAs(restored.body!.commit as string, owner)).body!;
    expect(stored[localProps(host.url).onBehalfOf]).toBe(owner.subject);

    // Restoring the version it is at changes nothing.
    const again = await versions('POST', `/restore${q(subject, history[0]!.commit)}`, owner);
    expect(again.status).toBe(200);
    expect(again.body!.commit).toBeNull();
    expect(await list(subject)).toHaveLength(5);
  });

  it('restores only for requesters who may write the resource, and changes nothing otherwise', async () => {
    const { subject, history } = await editedNote();
    const target = history[0]!.commit;
    const before = await lastCommitOf(subject);
    const refusal = async (path: string, agent: AgentIdentity | undefined, status: number, says: string): Promise<void> => {
      const answer = await versions('POST', path, agent);
      expect(answer.status, answer.text).toBe(status);
      expect(answer.body!.error).toContain(says);
    };
    await refusal(`/restore${q(subject, target)}`, undefined, 401, 'sign the request');
    await refusal(`/restore${q(subject, target)}`, stranger, 403, 'may not read');
    await refusal(`/restore${q(subject)}`, owner, 400, '&commit=');
    await refusal(`/restore${q(subject, 'nonsense')}`, owner, 400, 'must be the URL of a commit');
    await refusal(`/restore${q(subject, `${host.url}/commits/nosuch`)}`, owner, 404, 'no commit');
    await refusal(`/restore${q(subject, (await editedNote()).history[1]!.commit)}`, owner, 400, 'another resource');
    await refusal(`/restore${q(`${host.url}/nothing-here`, target)}`, owner, 404, 'no versions');
    expect((await versions('GET', `/restore${q(subject, target)}`, owner)).status).toBe(405);

    // Read rights are not enough; write rights are.
    await postCommit(host.url, { subject, push: { [props.read]: [stranger.subject] } }, owner);
    await refusal(`/restore${q(subject, target)}`, stranger, 403, 'may not write');
    expect(await lastCommitOf(subject)).not.toBe(before);
    const readable = await lastCommitOf(subject);
    expect((await list(subject, stranger)).length).toBe(5);
    expect(await lastCommitOf(subject)).toBe(readable);

    await postCommit(host.url, { subject, push: { [props.write]: [stranger.subject] } }, owner);
    const done = await versions('POST', `/restore${q(subject, history[1]!.commit)}`, stranger);
    expect(done.status, done.text).toBe(200);
    const latest = (await list(subject)).at(-1)!;
    expect(latest).toMatchObject({ signer: pluginAgent, onBehalfOf: stranger.subject, set: { [description]: 'Written first' } });
    // The rights granted since that version are part of what is restored: the stranger has none now.
    expect(latest.remove).toEqual(expect.arrayContaining([props.read, props.write]));
    expect((await versions('GET', q(subject), stranger)).status).toBe(403);
  });

  it('adds a link to the versions to every resource served, through a property clients resolve', async () => {
    const { subject } = await editedNote();
    const served = (await getAs(subject, owner)).body!;
    expect(served[versionsProperty]).toBe(`${host.url}/versions?subject=${encodeURIComponent(subject)}`);
    const followed = await fetch(served[versionsProperty] as string, { headers: { accept: 'application/json', ...signRequestHeaders(served[versionsProperty] as string, owner) } });
    expect(((await followed.json()) as { versions: unknown[] }).versions).toHaveLength(4);

    // Plain JSON names it by its shortname, which the server finds in the stored definition.
    expect((await getAs(subject, owner, 'application/json')).body!.versions).toBe(served[versionsProperty]);

    // Any client resolves the definition from the server: the ontology is public.
    const anonymous = new Store({ serverUrl: host.url });
    const property = await anonymous.getProperty(versionsProperty);
    expect(property.shortname).toBe('versions');
    expect(property.datatype).toBe('https://atomicdata.dev/datatypes/atomicURL');
    expect((await getAs(`${host.url}/versioning-ontology`)).body!['https://atomicdata.dev/properties/properties']).toContain(versionsProperty);

    // An Atomic Data client following the link gets a resource: the subject and its commits.
    const client = await storeFor(owner);
    const fetched = await client.fetchResourceFromServer(served[versionsProperty] as string);
    expect(fetched.error).toBeUndefined();
    expect(fetched.get(`${host.url}/versioning-ontology/property/versions-of`)).toBe(subject);
    const commits = fetched.get(`${host.url}/versioning-ontology/property/version-commits`) as string[];
    expect(commits).toHaveLength(4);
    expect(commits[3]).toBe(served[props.lastCommit]);
    expect((await client.getProperty(`${host.url}/versioning-ontology/property/version-commits`)).datatype).toBe('https://atomicdata.dev/datatypes/resourceArray');

    // Commits have no versions of their own; stored resources are not changed.
    const commit = (await getAs(served[props.lastCommit] as string, owner)).body!;
    expect(commit).not.toHaveProperty(versionsProperty);
    expect((await list(subject)).every((v) => !(versionsProperty in v.set))).toBe(true);
  });

  it('keeps the history of a destroyed resource, and restores it', async () => {
    const store = await storeFor(owner);
    const note = await store.newResource({ parent: host.url, propVals: { [name]: 'Doomed', [description]: 'About to go' } });
    await note.save();
    await note.set(name, 'Renamed');
    await note.save();
    await note.destroy();
    const subject = note.subject;
    expect((await getAs(subject, owner)).status).toBe(404);

    const history = await list(subject);
    expect(history.map((v) => v.destroy)).toEqual([false, false, true]);
    expect((await versions('GET', q(subject))).status).toBe(401);
    expect((await versions('GET', q(subject), stranger)).status).toBe(403);
    const gone = await versions('GET', `/at${q(subject, history[2]!.commit)}`, owner);
    expect(gone.status).toBe(410);
    expect(gone.body!.error).toContain('destroyed');
    expect((await versions('GET', `/at${q(subject, history[1]!.commit)}`, owner)).body).toMatchObject({ [name]: 'Renamed' });

    await refusalOf(versions('POST', `/restore${q(subject, history[0]!.commit)}`, stranger), 403);
    const restored = await versions('POST', `/restore${q(subject, history[0]!.commit)}`, owner);
    expect(restored.status, restored.text).toBe(200);
    const back = await (await storeFor(owner)).fetchResourceFromServer(subject);
    expect(back.error).toBeUndefined();
    expect(back.get(name)).toBe('Doomed');
    expect(back.get(description)).toBe('About to go');

    // Restoring the version that destroyed it destroys it again.
    expect((await versions('POST', `/restore${q(subject, history[2]!.commit)}`, owner)).status).toBe(200);
    expect((await getAs(subject, owner)).status).toBe(404);
    expect((await list(subject)).map((v) => v.destroy)).toEqual([false, false, true, false, true]);
  });
});

async function refusalOf(answer: Promise<HttpResult>, status: number): Promise<void> {
  const result = await answer;
  expect(result.status, result.text).toBe(status);
}
