// Bad commits against a real `atomic-plugin serve` process: each is refused with the right 4xx
// and a JSON-AD Error that says what is wrong, the server keeps answering, and nothing is stored.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentIdentity, type AgentIdentity } from '../server/atomic/agent.js';
import { commitToPropVals, signCommit, type Commit } from '../server/atomic/commit.js';
import { generateKeyPair } from '../server/atomic/ed25519.js';
import type { ErrorCode } from '../server/atomic/errors.js';
import { classes, props } from '../server/atomic/urls.js';
import { createResource, getAs, ownerOf, postRaw, postSignedCommit, uniqueSubject, type HttpResult } from './support/commits.js';
import { startHostProcess, type HostProcess } from './support/host-process.js';

const MAX_BODY_BYTES = 4 << 20;
const C = props.commit;

/** What a case needs from the running host. */
interface Context {
  url: string;
  owner: AgentIdentity;
  /** An existing resource the owner may write, that the bad commits aim at. */
  target: string;
}

/** The request a case sends. `newSubject` is a subject the commit would create. */
interface BadRequest {
  body: string | Buffer;
  /** Default application/ad+json; null: no content-type header. */
  contentType?: string | null;
  /** Send the body chunked, without a content-length. */
  chunked?: boolean;
  newSubject?: string;
}

interface BadCase {
  name: string;
  status: number;
  code: ErrorCode;
  description: RegExp;
  build: (ctx: Context) => Promise<BadRequest> | BadRequest;
  /**
   * The answer races with the upload (an oversized body): the request is sent several times and
   * every attempt must get the answer, not a connection error.
   */
  racy?: boolean;
}

const ATTEMPTS_FOR_RACY_CASES = 20;

/** A commit on the target, signed by the owner, as a JSON-AD object (to be spoiled by a case). */
function editTarget(ctx: Context, set: Record<string, unknown> = { [props.name]: 'Changed' }, createdAt = Date.now()): Record<string, unknown> {
  return commitToPropVals(signCommit({ subject: ctx.target, set: set as Commit['set'] }, ctx.owner, createdAt));
}

function without(body: Record<string, unknown>, key: string): string {
  const copy = { ...body };
  delete copy[key];
  return JSON.stringify(copy);
}

/** A commit creating `subject` under the drive, signed by the owner. */
function create(ctx: Context, subject: string, set: Record<string, unknown> = {}): string {
  return JSON.stringify(commitToPropVals(signCommit({ subject, set: { [props.parent]: ctx.url, [props.name]: 'New', ...set } as Commit['set'] }, ctx.owner)));
}

async function post(url: string, request: BadRequest): Promise<HttpResult> {
  if (!request.chunked) return postRaw(url, request.body, request.contentType);
  // A stream body makes fetch send it chunked, so the server cannot refuse it by content-length.
  const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.subarray(i, i + 64 * 1024));
      controller.close();
    },
  });
  const response = await fetch(`${url}/commit`, {
    method: 'POST',
    headers: { 'content-type': request.contentType ?? 'application/ad+json' },
    body: stream,
    duplex: 'half',
  } as RequestInit);
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}

const cases: BadCase[] = [
  {
    name: 'malformed JSON',
    status: 400,
    code: 'INVALID_JSON',
    description: /not valid JSON/,
    build: (ctx) => ({ body: JSON.stringify(editTarget(ctx)).slice(0, -10) }),
  },
  {
    name: 'an empty body',
    status: 400,
    code: 'INVALID_JSON',
    description: /not valid JSON/,
    build: () => ({ body: '' }),
  },
  {
    name: 'a valid commit sent as text/plain',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    description: /application\/ad\+json.*text\/plain/,
    build: (ctx) => ({ body: JSON.stringify(editTarget(ctx)), contentType: 'text/plain' }),
  },
  {
    name: 'a valid commit with no content type',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    description: /application\/ad\+json/,
    build: (ctx) => ({ body: Buffer.from(JSON.stringify(editTarget(ctx))), contentType: null }),
  },
  {
    name: 'a JSON array',
    status: 400,
    code: 'INVALID_COMMIT',
    description: /JSON object/,
    build: (ctx) => ({ body: JSON.stringify([editTarget(ctx)]) }),
  },
  {
    name: 'no signer',
    status: 400,
    code: 'INVALID_COMMIT',
    description: /signer/,
    build: (ctx) => ({ body: without(editTarget(ctx), C.signer) }),
  },
  {
    name: 'no createdAt',
    status: 400,
    code: 'INVALID_COMMIT',
    description: /createdAt/,
    build: (ctx) => ({ body: without(editTarget(ctx), C.createdAt) }),
  },
  {
    name: 'no subject',
    status: 400,
    code: 'INVALID_COMMIT',
    description: /subject/,
    build: (ctx) => ({ body: without(editTarget(ctx), C.subject) }),
  },
  {
    name: 'no signature',
    status: 400,
    code: 'INVALID_COMMIT',
    description: /signature/,
    build: (ctx) => ({ body: without(editTarget(ctx), C.signature) }),
  },
  {
    name: 'a null value',
    status: 400,
    code: 'INVALID_COMMIT',
    description: /null/,
    build: (ctx) => ({ body: JSON.stringify({ ...editTarget(ctx), [C.set]: { [props.name]: null } }) }),
  },
  {
    name: 'a property that is not a URL',
    status: 400,
    code: 'INVALID_COMMIT',
    description: /not a URL: name/,
    build: (ctx) => ({ body: JSON.stringify(editTarget(ctx, { name: 'Changed' })) }),
  },
  {
    name: 'a commit that changes nothing',
    status: 400,
    code: 'INVALID_COMMIT',
    description: /changes nothing/,
    build: (ctx) => ({ body: without(editTarget(ctx), C.set) }),
  },
  {
    name: 'a random signature',
    status: 401,
    code: 'INVALID_SIGNATURE',
    description: /signature/,
    build: (ctx) => {
      const random = Buffer.from(Array.from({ length: 64 }, () => Math.floor(Math.random() * 256))).toString('base64');
      return { body: JSON.stringify({ ...editTarget(ctx), [C.signature]: random }) };
    },
  },
  {
    name: 'a signature by another key that claims the owner as signer',
    status: 401,
    code: 'INVALID_SIGNATURE',
    description: /not made by/,
    build: (ctx) => {
      const impostor = { subject: ctx.owner.subject, privateKey: generateKeyPair().privateKey };
      return { body: JSON.stringify(commitToPropVals(signCommit({ subject: ctx.target, set: { [props.name]: 'Changed' } }, impostor))) };
    },
  },
  {
    name: 'a signed commit changed after signing',
    status: 401,
    code: 'INVALID_SIGNATURE',
    description: /signature/,
    build: (ctx) => ({ body: JSON.stringify({ ...editTarget(ctx), [C.set]: { [props.name]: 'Tampered' } }) }),
  },
  {
    name: 'a timestamp 60 s in the future',
    status: 400,
    code: 'COMMIT_IN_FUTURE',
    description: /future.*ahead/,
    build: (ctx) => ({ body: JSON.stringify(editTarget(ctx, undefined, Date.now() + 60_000)) }),
  },
  {
    name: 'a timestamp an hour old',
    status: 400,
    code: 'COMMIT_TOO_OLD',
    description: /too long ago.*old/,
    build: (ctx) => ({ body: JSON.stringify(editTarget(ctx, undefined, Date.now() - 3_600_000)) }),
  },
  {
    name: 'a replay of an accepted commit',
    status: 409,
    code: 'COMMIT_REPLAYED',
    description: /already applied/,
    build: async (ctx) => {
      const body = JSON.stringify(editTarget(ctx, { [props.description]: `Replayed ${Date.now()}` }));
      const first = await postRaw(ctx.url, body);
      expect(first.status, first.text).toBe(200);
      return { body };
    },
  },
  {
    name: 'a number for a string-typed property',
    status: 400,
    code: 'INVALID_VALUE',
    description: /properties\/name: expected a string, got 42/,
    build: (ctx) => ({ body: JSON.stringify(editTarget(ctx, { [props.name]: 42 })) }),
  },
  {
    name: 'a string for a timestamp-typed property',
    status: 400,
    code: 'INVALID_VALUE',
    description: /properties\/createdAt: expected a timestamp/,
    build: (ctx) => ({ body: JSON.stringify(editTarget(ctx, { [props.createdAt]: 'yesterday' })) }),
  },
  {
    name: 'a non-URL pushed to a resourceArray',
    status: 400,
    code: 'INVALID_VALUE',
    description: /properties\/write: expected an array of resource URLs/,
    build: (ctx) => ({
      body: JSON.stringify(commitToPropVals(signCommit({ subject: ctx.target, push: { [props.write]: ['not a url'] } }, ctx.owner))),
    }),
  },
  {
    name: 'a subject on another origin',
    status: 400,
    code: 'FOREIGN_SUBJECT',
    description: /example\.com.*is not under/,
    build: (ctx) => {
      const path = new URL(uniqueSubject(ctx.url, 'foreign')).pathname;
      return {
        body: JSON.stringify(commitToPropVals(signCommit({ subject: `http://example.com${path}`, set: { [props.parent]: ctx.url, [props.name]: 'X' } }, ctx.owner))),
        newSubject: `${ctx.url}${path}`,
      };
    },
  },
  {
    name: 'a subject under another name for this same server',
    status: 400,
    code: 'FOREIGN_SUBJECT',
    description: /is not under/,
    build: (ctx) => {
      const path = new URL(uniqueSubject(ctx.url, 'other-port')).pathname;
      return {
        body: JSON.stringify(commitToPropVals(signCommit({ subject: `http://127.0.0.1:${new URL(ctx.url).port}${path}`, set: { [props.parent]: ctx.url, [props.name]: 'X' } }, ctx.owner))),
        newSubject: `${ctx.url}${path}`,
      };
    },
  },
  {
    name: 'a subject with a query string',
    status: 400,
    code: 'INVALID_SUBJECT',
    description: /query string/,
    build: (ctx) => {
      const subject = uniqueSubject(ctx.url, 'query');
      return { body: create(ctx, `${subject}?x=1`), newSubject: subject };
    },
  },
  {
    name: 'a subject with a fragment',
    status: 400,
    code: 'INVALID_SUBJECT',
    description: /fragment/,
    build: (ctx) => {
      const subject = uniqueSubject(ctx.url, 'fragment');
      return { body: create(ctx, `${subject}#part`), newSubject: subject };
    },
  },
  {
    name: 'a subject reserved for commits',
    status: 400,
    code: 'INVALID_SUBJECT',
    description: /reserved for commits/,
    build: (ctx) => {
      const subject = `${ctx.url}/commits/made-up-${Date.now()}`;
      return { body: create(ctx, subject), newSubject: subject };
    },
  },
  {
    name: 'a body over 4 MiB with a content-length',
    status: 413,
    code: 'BODY_TOO_LARGE',
    description: /larger than the server accepts.*4194304/,
    racy: true,
    build: (ctx) => ({ body: Buffer.from(JSON.stringify(editTarget(ctx, { [props.description]: 'x'.repeat(MAX_BODY_BYTES) }))) }),
  },
  {
    name: 'a body of 8 MiB sent chunked',
    status: 413,
    code: 'BODY_TOO_LARGE',
    description: /larger than the server accepts.*4194304/,
    racy: true,
    // Twice the limit: the more is left unread when the server answers, the likelier it is lost.
    build: (ctx) => ({ body: JSON.stringify(editTarget(ctx, { [props.description]: 'x'.repeat(2 * MAX_BODY_BYTES) })), chunked: true }),
  },
  {
    name: 'a previousCommit that is not the lastCommit',
    status: 409,
    code: 'PREVIOUS_COMMIT_MISMATCH',
    description: /outdated version.*fetch it again/,
    build: (ctx) => ({
      body: JSON.stringify(
        commitToPropVals(signCommit({ subject: ctx.target, set: { [props.name]: 'Changed' }, previousCommit: `${ctx.url}/commits/not-the-last-one` }, ctx.owner)),
      ),
    }),
  },
  {
    name: 'a previousCommit on a resource that does not exist',
    status: 409,
    code: 'PREVIOUS_COMMIT_MISMATCH',
    description: /does not exist/,
    build: (ctx) => {
      const subject = uniqueSubject(ctx.url, 'no-previous');
      return {
        body: JSON.stringify(
          commitToPropVals(signCommit({ subject, set: { [props.parent]: ctx.url, [props.name]: 'New' }, previousCommit: `${ctx.url}/commits/whatever` }, ctx.owner)),
        ),
        newSubject: subject,
      };
    },
  },
  {
    name: 'a new resource with no parent',
    status: 400,
    code: 'INVALID_COMMIT',
    description: /needs a parent/,
    build: (ctx) => {
      const subject = uniqueSubject(ctx.url, 'orphan');
      return { body: JSON.stringify(commitToPropVals(signCommit({ subject, set: { [props.name]: 'Orphan' } }, ctx.owner))), newSubject: subject };
    },
  },
  {
    name: 'a new resource under a parent that does not exist',
    status: 400,
    code: 'INVALID_COMMIT',
    description: /parent .* does not exist/,
    build: (ctx) => {
      const subject = uniqueSubject(ctx.url, 'lost');
      return { body: create(ctx, subject, { [props.parent]: `${ctx.url}/no-such-parent` }), newSubject: subject };
    },
  },
  {
    name: 'a resource that signs as itself to skip the parent check',
    status: 401,
    code: 'UNKNOWN_SIGNER',
    description: /is not an agent on this server/,
    build: (ctx) => {
      const keys = generateKeyPair();
      const subject = uniqueSubject(ctx.url, 'self-made');
      const body = commitToPropVals(
        signCommit({ subject, set: { [props.isA]: [classes.agent], [props.publicKey]: keys.publicKey, [props.name]: 'Squatter' } }, { subject, privateKey: keys.privateKey }),
      );
      return { body: JSON.stringify(body), newSubject: subject };
    },
  },
  {
    name: 'an agent registering at the subject of another public key',
    status: 401,
    code: 'UNKNOWN_SIGNER',
    description: /is not an agent on this server/,
    build: (ctx) => {
      const victim = createAgentIdentity(ctx.url);
      const attacker = generateKeyPair();
      const body = commitToPropVals(
        signCommit(
          { subject: victim.subject, set: { [props.isA]: [classes.agent], [props.publicKey]: attacker.publicKey } },
          { subject: victim.subject, privateKey: attacker.privateKey },
        ),
      );
      return { body: JSON.stringify(body), newSubject: victim.subject };
    },
  },
  {
    name: 'an unknown signer',
    status: 401,
    code: 'UNKNOWN_SIGNER',
    description: /is not an agent on this server/,
    build: (ctx) => {
      const stranger = createAgentIdentity(ctx.url);
      return { body: JSON.stringify(commitToPropVals(signCommit({ subject: ctx.target, set: { [props.name]: 'Changed' } }, stranger))) };
    },
  },
];

/**
 * Subjects that parse as URLs but are not in the form a client requests them in: fetch (and every
 * WHATWG URL user) normalizes them, so a GET can never reach what was stored under them.
 */
const unreachableSubjects: { name: string; path: (unique: string) => string }[] = [
  { name: 'dot segments', path: (unique) => `/a/../${unique}` },
  { name: 'a space', path: (unique) => `/with space ${unique}` },
];

describe('POST /commit refuses bad commits', () => {
  let host: HostProcess;
  const ctx = {} as Context;

  beforeAll(async () => {
    host = await startHostProcess();
    ctx.url = host.url;
    ctx.owner = ownerOf(host);
    ctx.target = uniqueSubject(host.url, 'target');
    await createResource(host.url, ctx.owner, ctx.target, { [props.name]: 'Original', [props.description]: 'Before any bad commit' });
  }, 30_000);
  afterAll(async () => {
    await host?.dispose();
  });

  it('accepts a good commit (the control for every case below)', async () => {
    const subject = uniqueSubject(ctx.url, 'good');
    const result = await postRaw(ctx.url, create(ctx, subject));
    expect(result.status, result.text).toBe(200);
    expect(result.body?.['@id']).toMatch(`${ctx.url}/commits/`);
    expect((await getAs(subject, ctx.owner)).status).toBe(200);
  });

  /** Sends the case's request (several times for racy cases); a connection error fails the test. */
  async function send(row: BadCase, request: BadRequest): Promise<HttpResult[]> {
    const results: HttpResult[] = [];
    for (let i = 0; i < (row.racy ? ATTEMPTS_FOR_RACY_CASES : 1); i++) results.push(await post(ctx.url, request));
    return results;
  }

  function expectErrorResource(row: BadCase, result: HttpResult): void {
    expect(result.status, result.text).toBe(row.status);
    expect(result.headers.get('content-type')).toMatch(/^application\/ad\+json/);
    expect(result.body, result.text).toBeDefined();
    expect(result.body!['@id']).toBe(`${ctx.url}/commit`);
    expect(result.body![props.isA]).toEqual([classes.error]);
    expect(result.body![props.name]).toBe(row.code);
    expect(result.body![props.description]).toMatch(row.description);
  }

  it.each(cases)('$name → $status $code', async (row) => {
    const request = await row.build(ctx);
    const before = await getAs(ctx.target, ctx.owner);
    expect(before.status).toBe(200);

    const answers = await send(row, request);

    expect(answers.length, 'no attempt got an answer').toBeGreaterThan(0);
    for (const answer of answers) expectErrorResource(row, answer);

    // The server still answers, and nothing changed.
    const after = await getAs(ctx.target, ctx.owner);
    expect(after.status).toBe(200);
    expect(after.body).toEqual(before.body);
    if (request.newSubject) expect((await getAs(request.newSubject, ctx.owner)).status).toBe(404);
  }, 60_000);

  // A subject whose normalized URL differs from its text could be stored but never fetched.
  it.each(unreachableSubjects)('refuses a subject with $name, which no GET could reach', async ({ name, path }) => {
    const unique = `unreachable-${Date.now()}-${name.length}`;
    const subject = `${ctx.url}${path(unique)}`;
    const label = `Unreachable ${unique}`;
    const result = await postRaw(ctx.url, create(ctx, subject, { [props.name]: label }));
    const found = await getAs(`${ctx.url}/query?property=${encodeURIComponent(props.name)}&value=${encodeURIComponent(label)}`, ctx.owner);
    expect(found.body?.[props.collection.totalMembers]).toBe(0);
    expect(result.status, result.text).toBe(400);
    expect(['INVALID_SUBJECT', 'INVALID_COMMIT']).toContain(result.body?.[props.name]);
  });

  it('lets exactly one of several concurrent commits based on the same lastCommit through', async () => {
    const subject = uniqueSubject(ctx.url, 'contended');
    await createResource(ctx.url, ctx.owner, subject, { [props.name]: 'Contended' });
    const last = (await getAs(subject, ctx.owner)).body?.[props.lastCommit] as string;
    const commits = Array.from({ length: 12 }, (_, i) => signCommit({ subject, set: { [props.name]: `Writer ${i}` }, previousCommit: last }, ctx.owner));
    const results = await Promise.all(commits.map((c) => postSignedCommit(ctx.url, c)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(commits.length - 1);
    const winner = commits[statuses.indexOf(200)]!;
    const after = await getAs(subject, ctx.owner);
    expect(after.body?.[props.name]).toBe(winner.set?.[props.name]);
    expect(after.body?.[props.lastCommit]).toBe(`${ctx.url}/commits/${winner.signature}`);
  });

  it('answers a replayed commit with 409 only after the first copy succeeded with 200', async () => {
    const commit = signCommit({ subject: ctx.target, set: { [props.description]: `Twice ${Date.now()}` } }, ctx.owner);
    const first = await postSignedCommit(ctx.url, commit);
    const second = await postSignedCommit(ctx.url, commit);
    expect([first.status, second.status]).toEqual([200, 409]);
    expect(second.body?.[props.name]).toBe('COMMIT_REPLAYED');
    expect(first.body?.['@id']).toBe(`${ctx.url}/commits/${commit.signature}`);
  });

  it('applies a commit sent many times at once exactly once', async () => {
    const subject = uniqueSubject(ctx.url, 'pushed');
    await createResource(ctx.url, ctx.owner, subject, { [props.name]: 'Pushed', [props.write]: [ctx.owner.subject] });
    const commit = signCommit({ subject, push: { [props.write]: [`${ctx.url}/agents/someone`] } }, ctx.owner);
    const statuses = (await Promise.all(Array.from({ length: 10 }, () => postSignedCommit(ctx.url, commit)))).map((r) => r.status);
    expect(statuses.sort()).toEqual([200, ...Array<number>(9).fill(409)]);
    expect((await getAs(subject, ctx.owner)).body?.[props.write]).toEqual([ctx.owner.subject, `${ctx.url}/agents/someone`]);
  });
});
