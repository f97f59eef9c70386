// Rights end to end against a real `atomic-plugin serve` process: who may edit, create under and
// read what, over HTTP and over WebSocket subscriptions.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { AgentIdentity } from '../server/atomic/agent.js';
import { signRequestHeaders } from '../server/atomic/auth.js';
import { generateKeyPair, signMessage } from '../server/atomic/ed25519.js';
import { classes, props, publicAgent } from '../server/atomic/urls.js';
import { createResource, getAs, ownerOf, postCommit, registerAgent, uniqueSubject, waitFor, type HttpResult } from './support/commits.js';
import { startHostProcess, type HostProcess } from './support/host-process.js';

function expectError(result: HttpResult, status: number, code: string): void {
  expect(result.status, result.text).toBe(status);
  expect(result.body?.[props.isA]).toEqual([classes.error]);
  expect(result.body?.[props.name]).toBe(code);
}

describe('rights', () => {
  let host: HostProcess;
  let url: string;
  let owner: AgentIdentity;
  let second: AgentIdentity;
  /** Only the owner may read or write it (through the drive). */
  let privateDoc: string;

  beforeAll(async () => {
    host = await startHostProcess();
    url = host.url;
    owner = ownerOf(host);
    second = await registerAgent(url);
    privateDoc = uniqueSubject(url, 'private');
    await createResource(url, owner, privateDoc, { [props.name]: 'Private', [props.description]: 'Only for the owner' });
  }, 30_000);
  afterAll(async () => {
    await host?.dispose();
  });

  describe('commits', () => {
    it('lets the second agent edit its own agent resource (the control)', async () => {
      const result = await postCommit(url, { subject: second.subject, set: { [props.name]: 'Renamed by itself' } }, second);
      expect(result.status, result.text).toBe(200);
      expect((await getAs(second.subject, second)).body?.[props.name]).toBe('Renamed by itself');
    });

    it('refuses an agent without rights that edits the owner\'s resource, and nothing changes', async () => {
      const before = await getAs(privateDoc, owner);
      const result = await postCommit(url, { subject: privateDoc, set: { [props.name]: 'Taken over' } }, second);
      expectError(result, 403, 'FORBIDDEN');
      expect(result.body?.[props.description]).toContain(`may not write ${privateDoc}`);
      expect(await getAs(privateDoc, owner)).toMatchObject({ status: 200, body: before.body });
    });

    it('refuses an agent without rights that destroys or grants itself rights on the owner\'s resource', async () => {
      const before = await getAs(privateDoc, owner);
      expectError(await postCommit(url, { subject: privateDoc, destroy: true }, second), 403, 'FORBIDDEN');
      expectError(await postCommit(url, { subject: privateDoc, push: { [props.write]: [second.subject] } }, second), 403, 'FORBIDDEN');
      expect((await getAs(privateDoc, owner)).body).toEqual(before.body);
    });

    it('refuses an agent without rights that creates a child under the drive, and nothing is stored', async () => {
      const child = uniqueSubject(url, 'intruder');
      const result = await postCommit(url, { subject: child, set: { [props.parent]: url, [props.name]: 'Intruder' } }, second);
      expectError(result, 403, 'FORBIDDEN');
      expect(result.body?.[props.description]).toContain(`may not create resources under ${url}`);
      expect((await getAs(child, owner)).status).toBe(404);
    });

    it('refuses the owner editing an agent resource that is not its own', async () => {
      const result = await postCommit(url, { subject: second.subject, set: { [props.name]: 'Renamed by the owner' } }, owner);
      expectError(result, 403, 'FORBIDDEN');
      expect((await getAs(second.subject, second)).body?.[props.name]).not.toBe('Renamed by the owner');
    });

    it('lets the second agent create and read children of a folder once the owner grants it write there', async () => {
      const folder = uniqueSubject(url, 'folder');
      await createResource(url, owner, folder, { [props.name]: 'Folder' });
      const early = uniqueSubject(url, 'early-child');
      expectError(await postCommit(url, { subject: early, set: { [props.parent]: folder, [props.name]: 'Too early' } }, second), 403, 'FORBIDDEN');
      expectError(await getAs(folder, second), 403, 'FORBIDDEN');

      const grant = await postCommit(url, { subject: folder, set: { [props.write]: [second.subject] } }, owner);
      expect(grant.status, grant.text).toBe(200);

      const child = uniqueSubject(url, 'granted-child');
      const created = await postCommit(url, { subject: child, set: { [props.parent]: folder, [props.name]: 'Made by the second agent' } }, second);
      expect(created.status, created.text).toBe(200);
      const read = await getAs(child, second);
      expect(read.status, read.text).toBe(200);
      expect(read.body?.[props.name]).toBe('Made by the second agent');
      expect(read.body?.[props.parent]).toBe(folder);
      // write on the folder also gives read on it, and editing what is below it.
      expect((await getAs(folder, second)).status).toBe(200);
      expect((await postCommit(url, { subject: child, set: { [props.name]: 'Edited' } }, second)).status).toBe(200);
      // ...but nothing outside it.
      expectError(await getAs(privateDoc, second), 403, 'FORBIDDEN');
      expectError(await postCommit(url, { subject: child, set: { [props.parent]: url } }, second), 403, 'FORBIDDEN');
      expect((await getAs(child, owner)).body?.[props.parent]).toBe(folder);
    });

    // Removing `parent`, or pointing it at the resource itself or one of its descendants, would cut
    // the resource off from the drive and its owner's rights.
    const detachments: [string, (child: string, grandchild: string) => Parameters<typeof postCommit>[1]][] = [
      ['removes its parent', (child) => ({ subject: child, remove: [props.parent], set: { [props.write]: [second.subject] } })],
      ['makes it its own parent', (child) => ({ subject: child, set: { [props.parent]: child } })],
      ['moves it under its own child', (child, grandchild) => ({ subject: child, set: { [props.parent]: grandchild } })],
    ];

    it.each(detachments)('keeps a resource under the drive when an agent with write %s', async (_, change) => {
      const folder = uniqueSubject(url, 'shared-folder');
      await createResource(url, owner, folder, { [props.name]: 'Shared', [props.write]: [second.subject] });
      const child = uniqueSubject(url, 'detachable');
      const grandchild = uniqueSubject(url, 'detachable-child');
      expect((await postCommit(url, { subject: child, set: { [props.parent]: folder, [props.name]: 'Child' } }, second)).status).toBe(200);
      expect((await postCommit(url, { subject: grandchild, set: { [props.parent]: child, [props.name]: 'Grandchild' } }, second)).status).toBe(200);

      const result = await postCommit(url, change(child, grandchild), second);

      // Whatever the answer, the drive's owner must keep its rights on everything in the drive.
      expect((await getAs(child, owner)).status).toBe(200);
      expect((await getAs(grandchild, owner)).status).toBe(200);
      expect(result.status, result.text).toBeGreaterThanOrEqual(400);
    });

    it('lets an agent holding only append create children but not edit the folder', async () => {
      const folder = uniqueSubject(url, 'inbox');
      await createResource(url, owner, folder, { [props.name]: 'Inbox', [props.append]: [second.subject] });
      const child = uniqueSubject(url, 'letter');
      expect((await postCommit(url, { subject: child, set: { [props.parent]: folder, [props.name]: 'Letter' } }, second)).status).toBe(200);
      expectError(await postCommit(url, { subject: folder, set: { [props.name]: 'Renamed' } }, second), 403, 'FORBIDDEN');
    });
  });

  describe('reading', () => {
    it('answers an anonymous GET of the drive and of a private resource with 401', async () => {
      expectError(await getAs(url), 401, 'UNAUTHORIZED');
      expectError(await getAs(`${url}/`), 401, 'UNAUTHORIZED');
      const result = await getAs(privateDoc);
      expectError(result, 401, 'UNAUTHORIZED');
      expect(result.text).not.toContain('Only for the owner');
    });

    it('answers the second agent\'s signed GET of a private resource with 403, and the owner\'s with 200', async () => {
      const result = await getAs(privateDoc, second);
      expectError(result, 403, 'FORBIDDEN');
      expect(result.text).not.toContain('Only for the owner');
      const mine = await getAs(privateDoc, owner);
      expect(mine.status).toBe(200);
      expect(mine.body?.[props.description]).toBe('Only for the owner');
    });

    it('serves a resource with read [publicAgent], and what is below it, to anyone', async () => {
      const open = uniqueSubject(url, 'open');
      await createResource(url, owner, open, { [props.name]: 'Open', [props.read]: [publicAgent] });
      const below = uniqueSubject(url, 'open-child');
      await createResource(url, owner, below, { [props.name]: 'Open child', [props.parent]: open });
      for (const subject of [open, below]) {
        expect((await getAs(subject)).status).toBe(200);
        expect((await getAs(subject, second)).status).toBe(200);
      }
      expectError(await postCommit(url, { subject: open, set: { [props.name]: 'Vandalized' } }, second), 403, 'FORBIDDEN');
    });

    it('leaves out of collections what the asker may not read', async () => {
      const query = `${url}/query?property=${encodeURIComponent(props.name)}&value=Private`;
      expect((await getAs(query, owner)).body?.[props.collection.members]).toContain(privateDoc);
      expect((await getAs(query, second)).body?.[props.collection.members]).not.toContain(privateDoc);
      expect((await getAs(query)).body?.[props.collection.members]).not.toContain(privateDoc);
    });
  });

  describe('authentication headers', () => {
    const headerNames = ['x-atomic-public-key', 'x-atomic-signature', 'x-atomic-timestamp', 'x-atomic-agent'];
    const partial: string[][] = [['x-atomic-agent'], ['x-atomic-public-key', 'x-atomic-agent'], headerNames.slice(0, 3), headerNames.slice(1)];

    it.each(partial)('refuses a GET with only %s with 401 INVALID_AUTH_HEADERS', async (...kept) => {
      const all = signRequestHeaders(privateDoc, owner);
      const headers: Record<string, string> = { accept: 'application/ad+json' };
      for (const name of kept) headers[name] = all[name]!;
      const response = await fetch(privateDoc, { headers });
      const body = (await response.json()) as Record<string, unknown>;
      expect(response.status).toBe(401);
      expect(body[props.name]).toBe('INVALID_AUTH_HEADERS');
      for (const missing of headerNames.filter((h) => !kept.includes(h))) expect(body[props.description]).toContain(missing);
    });

    const forged: [string, (headers: Record<string, string>) => void][] = [
      ['a random signature', (h) => (h['x-atomic-signature'] = Buffer.alloc(64, 7).toString('base64'))],
      ['a signature over another URL', (h) => (h['x-atomic-signature'] = signMessage(`${url}/other ${h['x-atomic-timestamp']}`, owner.privateKey))],
      ['a signature by another key', (h) => (h['x-atomic-signature'] = signMessage(`${privateDoc} ${h['x-atomic-timestamp']}`, generateKeyPair().privateKey))],
      ['a timestamp changed after signing', (h) => (h['x-atomic-timestamp'] = String(Number(h['x-atomic-timestamp']) + 1))],
      ['another agent\'s public key, signed with it', (h) => {
        const keys = generateKeyPair();
        h['x-atomic-public-key'] = keys.publicKey;
        h['x-atomic-signature'] = signMessage(`${privateDoc} ${h['x-atomic-timestamp']}`, keys.privateKey);
      }],
      ['a non-numeric timestamp', (h) => (h['x-atomic-timestamp'] = 'yesterday')],
    ];

    it.each(forged)('refuses a signed GET with %s with 401', async (_, spoil) => {
      const headers: Record<string, string> = { accept: 'application/ad+json', ...signRequestHeaders(privateDoc, owner) };
      spoil(headers);
      const response = await fetch(privateDoc, { headers });
      const text = await response.text();
      expect(response.status, text).toBe(401);
      expect((JSON.parse(text) as Record<string, unknown>)[props.name]).toBe('INVALID_AUTH_HEADERS');
      expect(text).not.toContain('Only for the owner');
    });

    it('refuses a correctly signed GET whose timestamp is minutes old', async () => {
      const headers = { accept: 'application/ad+json', ...signRequestHeaders(privateDoc, owner, Date.now() - 5 * 60_000) };
      const response = await fetch(privateDoc, { headers });
      expect(response.status).toBe(401);
      expect(((await response.json()) as Record<string, unknown>)[props.description]).toMatch(/timestamp/);
    });
  });

  describe('WebSocket subscriptions', () => {
    const sockets: WebSocket[] = [];
    afterAll(() => sockets.forEach((s) => s.close()));

    interface Client {
      messages: string[];
      send: (message: string) => void;
      /** Resolves with the first message, from now on, that starts with `prefix`. */
      next: (prefix: string) => Promise<string>;
    }

    async function connect(): Promise<Client> {
      const socket = new WebSocket(`${url.replace('http', 'ws')}/ws`);
      sockets.push(socket);
      const messages: string[] = [];
      socket.on('message', (data) => messages.push(data.toString()));
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      return {
        messages,
        send: (message) => socket.send(message),
        next: async (prefix) => {
          const from = messages.length;
          let found: string | undefined;
          await waitFor(() => (found = messages.slice(from).find((m) => m.startsWith(prefix))) !== undefined, 5000, prefix);
          return found!;
        },
      };
    }

    /** SUBSCRIBEs, then GETs: messages are handled in order, so the RESOURCE reply means the subscription is in place. */
    async function subscribe(client: Client, subject: string): Promise<Record<string, unknown>> {
      client.send(`SUBSCRIBE ${subject}`);
      const reply = client.next(`RESOURCE {"@id":${JSON.stringify(subject)}`);
      client.send(`GET ${subject}`);
      return JSON.parse((await reply).slice('RESOURCE '.length)) as Record<string, unknown>;
    }

    /** The AUTHENTICATE payload @tomic/lib sends (its function `we`). */
    function authenticate(client: Client, agent: AgentIdentity, requestedSubject = `${url.replace('http', 'ws')}/ws`): void {
      const timestamp = Date.now();
      client.send(
        `AUTHENTICATE ${JSON.stringify({
          [props.auth.agent]: agent.subject,
          [props.auth.requestedSubject]: requestedSubject,
          [props.auth.publicKey]: agent.publicKey,
          [props.auth.timestamp]: timestamp,
          [props.auth.signature]: signMessage(`${requestedSubject} ${timestamp}`, agent.privateKey),
        })}`,
      );
    }

    it('sends COMMITs of a private resource to the authenticated owner only, and public ones to everyone', async () => {
      const secret = uniqueSubject(url, 'ws-private');
      await createResource(url, owner, secret, { [props.name]: 'Secret v1' });
      const open = uniqueSubject(url, 'ws-public');
      await createResource(url, owner, open, { [props.name]: 'Open v1', [props.read]: [publicAgent] });

      const anonymous = await connect();
      const ownerSocket = await connect();
      const impostor = await connect();
      authenticate(ownerSocket, owner);
      // Claims to be the owner with a signature by another key: must stay anonymous.
      authenticate(impostor, { ...owner, privateKey: generateKeyPair().privateKey });
      expect(await impostor.next('ERROR')).toMatch(/signature/);

      expect((await subscribe(anonymous, secret))[props.name]).toBe('UNAUTHORIZED');
      expect((await subscribe(impostor, secret))[props.name]).toBe('UNAUTHORIZED');
      expect((await subscribe(ownerSocket, secret))[props.name]).toBe('Secret v1');
      expect((await subscribe(anonymous, open))[props.name]).toBe('Open v1');

      const ownerSees = ownerSocket.next('COMMIT');
      const edit = await postCommit(url, { subject: secret, set: { [props.name]: 'Secret v2' } }, owner);
      expect(edit.status).toBe(200);
      const commitMessage = JSON.parse((await ownerSees).slice('COMMIT '.length)) as Record<string, unknown>;
      expect(commitMessage['@id']).toBe(`${url}/commits/${edit.commit.signature}`);
      expect(commitMessage[props.commit.set]).toEqual({ [props.name]: 'Secret v2' });

      // Commits are broadcast in the order they are applied: once the anonymous client has the
      // public edit, it would already have had the private one if it were sent to it.
      const anonymousSees = anonymous.next('COMMIT');
      expect((await postCommit(url, { subject: open, set: { [props.name]: 'Open v2' } }, owner)).status).toBe(200);
      expect(await anonymousSees).toContain('Open v2');
      await new Promise((r) => setTimeout(r, 200));
      for (const client of [anonymous, impostor]) {
        expect(client.messages.filter((m) => m.startsWith('COMMIT') && m.includes(secret))).toEqual([]);
        expect(client.messages.join('\n')).not.toContain('Secret v2');
      }
    });

    it('refuses an AUTHENTICATE signed for an HTTP URL, so a signed GET cannot be replayed as a sign-in', async () => {
      const client = await connect();
      authenticate(client, owner, `${url}/some/resource`);
      expect(await client.next('ERROR')).toMatch(/WebSocket URL/);
      const secret = uniqueSubject(url, 'ws-replay');
      await createResource(url, owner, secret, { [props.name]: 'Still secret' });
      expect((await subscribe(client, secret))[props.name]).toBe('UNAUTHORIZED');
    });
  });
});
