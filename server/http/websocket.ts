// The WebSocket endpoint at /ws: clients SUBSCRIBE to subjects and get a COMMIT message for every
// change they may read; GET fetches a resource; AUTHENTICATE signs the connection in as an agent.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { claimsFromAuthenticateMessage } from '../atomic/auth.js';
import { AtomicError, errorResource } from '../atomic/errors.js';
import { authenticate, canRead } from '../access.js';
import type { CommitAppliedEvent, HostEvents } from '../events.js';
import { resolveUrl } from '../resolve.js';
import type { StoreReader } from '../store/store.js';

interface Connection {
  socket: WebSocket;
  agent?: string;
  subjects: Set<string>;
  /** Messages are handled one after another: a GET sent right after AUTHENTICATE must see the agent. */
  queue: Promise<void>;
}

/** Largest WebSocket message accepted. */
const MAX_MESSAGE_BYTES = 1 << 20;

/** Serves /ws for one host. */
export class SubscriptionServer {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  readonly #bySubject = new Map<string, Set<Connection>>();
  readonly #unsubscribe: () => void;

  constructor(
    private readonly store: StoreReader,
    private readonly serverUrl: string,
    events: HostEvents,
  ) {
    this.#unsubscribe = events.onCommitApplied((event) => this.#broadcast(event));
    this.#wss.on('connection', (socket: WebSocket) => this.#accept(socket));
  }

  /** Takes over an HTTP upgrade request for /ws. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#wss.emit('connection', ws, request));
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    for (const client of this.#wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #accept(socket: WebSocket): void {
    const connection: Connection = { socket, subjects: new Set(), queue: Promise.resolve() };
    socket.on('message', (data, isBinary) => {
      if (isBinary) return this.#send(connection, 'ERROR binary messages are not supported');
      const message = data.toString();
      connection.queue = connection.queue.then(() => this.#onMessage(connection, message));
    });
    socket.on('close', () => {
      for (const subject of connection.subjects) this.#removeSubscription(connection, subject);
    });
    socket.on('error', () => socket.terminate());
  }

  async #onMessage(connection: Connection, message: string): Promise<void> {
    const space = message.indexOf(' ');
    const verb = space === -1 ? message : message.slice(0, space);
    const argument = space === -1 ? '' : message.slice(space + 1).trim();
    try {
      switch (verb) {
        case 'SUBSCRIBE':
          if (!argument) throw new AtomicError('INVALID_QUERY', 'SUBSCRIBE needs a subject');
          connection.subjects.add(argument);
          this.#subscribers(argument).add(connection);
          return;
        case 'UNSUBSCRIBE':
          this.#removeSubscription(connection, argument);
          connection.subjects.delete(argument);
          return;
        case 'GET': {
          // The client waits for a RESOURCE with the subject it asked for, so a failure is
          // answered as an Error resource with that subject rather than as an ERROR message.
          let propvals;
          try {
            propvals = resolveUrl(this.store, this.serverUrl, argument, connection.agent);
          } catch (error) {
            if (!(error instanceof AtomicError)) throw error;
            propvals = errorResource(error);
          }
          this.#send(connection, `RESOURCE ${JSON.stringify({ '@id': argument, ...propvals })}`);
          return;
        }
        case 'AUTHENTICATE': {
          let json: unknown;
          try {
            json = JSON.parse(argument);
          } catch (error) {
            throw new AtomicError('INVALID_JSON', (error as Error).message);
          }
          connection.agent = await authenticate(this.store, claimsFromAuthenticateMessage(json));
          return;
        }
        default:
          throw new AtomicError('INVALID_QUERY', `unknown message ${verb.slice(0, 40)}; expected SUBSCRIBE, UNSUBSCRIBE, GET or AUTHENTICATE`);
      }
    } catch (error) {
      const text = error instanceof AtomicError ? error.message : 'internal error';
      this.#send(connection, `ERROR ${text}`);
    }
  }

  #subscribers(subject: string): Set<Connection> {
    let set = this.#bySubject.get(subject);
    if (!set) this.#bySubject.set(subject, (set = new Set()));
    return set;
  }

  #removeSubscription(connection: Connection, subject: string): void {
    const set = this.#bySubject.get(subject);
    set?.delete(connection);
    if (set?.size === 0) this.#bySubject.delete(subject);
  }

  #broadcast(event: CommitAppliedEvent): void {
    const subscribers = this.#bySubject.get(event.commit.subject);
    if (!subscribers) return;
    const visible = event.after ?? event.before;
    const message = `COMMIT ${JSON.stringify({ '@id': event.commitId, ...event.commitPropVals })}`;
    for (const connection of subscribers) {
      if (visible && !canRead(this.store, this.serverUrl, event.commit.subject, visible, connection.agent)) continue;
      this.#send(connection, message);
    }
  }

  #send(connection: Connection, message: string): void {
    if (connection.socket.readyState === connection.socket.OPEN) connection.socket.send(message);
  }
}
