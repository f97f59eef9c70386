// Newline-delimited JSON-RPC 2.0 between the plugin host and a `process` plugin
// (docs/design/process-runtime.md). Shared by both ends: the host's process runtime and this SDK.
//
// Hand-rolled rather than a library because the whole protocol is a few dozen lines (one JSON
// object per line, requests correlated by id) and the framing has to tolerate what libraries do
// not: stray text from the plugin or its libraries on the same stream. A line that is not a
// JSON-RPC message is handed to `onStray` (the plugin's log), and a message glued to the end of a
// stray partial line (`loading…{"jsonrpc":"2.0",…}`) is still found.

/** A JSON value as it travels on the wire. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The error object of a JSON-RPC answer. */
export interface RpcErrorObject {
  code: number;
  message: string;
  data?: Json;
}

/** Any JSON-RPC 2.0 message. */
export interface RpcMessage {
  jsonrpc: '2.0';
  id?: number | string | null;
  method?: string;
  params?: Json;
  result?: Json;
  error?: RpcErrorObject;
}

/** Standard JSON-RPC error codes, and ours (-32000 … -32099 are for the implementation). */
export const rpcErrorCodes = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** A plugin export failed; `data.kind` says how (see {@link CallFailureKind}). */
  CALL_FAILED: -32000,
  /** The peer is shutting down. */
  SHUTTING_DOWN: -32001,
} as const;

/** How a call failed inside the plugin, as the SDK reports it in `error.data.kind`. */
export type CallFailureKind = 'throw' | 'hook' | 'stack-overflow' | 'memory' | 'no-such-export' | 'host-function';

/** An answer with an error, as a rejection. */
export class RpcError extends Error {
  readonly code: number;
  readonly data: Json | undefined;

  constructor(code: number, message: string, data?: Json) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.data = data;
  }
}

const MARKER = '{"jsonrpc":"2.0"';

/** Parses one line into a message, or null if it is not one. */
function parseMessage(text: string): RpcMessage | null {
  if (!text.startsWith('{')) return null;
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && (value as { jsonrpc?: unknown }).jsonrpc === '2.0') {
      return value as RpcMessage;
    }
  } catch {
    // not a message
  }
  return null;
}

/**
 * Splits a byte stream into lines and lines into messages and stray text. Feed it chunks with
 * {@link push}; it calls back synchronously, in order.
 */
export class LineDecoder {
  /** The start of the current line, in pieces: joined once its end arrives, so a long line costs linear time. */
  #parts: string[] = [];
  #partsLength = 0;
  readonly #decoder = new TextDecoder();
  readonly #onMessage: (message: RpcMessage) => void;
  readonly #onStray: (line: string) => void;
  /** Longest line kept; beyond it the line is cut and reported as stray (a runaway writer). */
  readonly #maxLineChars: number;
  /** The rest of a line that went over the limit is skipped up to its newline. */
  #skipping = false;

  constructor(onMessage: (message: RpcMessage) => void, onStray: (line: string) => void, maxLineChars = 64 * 1024 * 1024) {
    this.#onMessage = onMessage;
    this.#onStray = onStray;
    this.#maxLineChars = maxLineChars;
  }

  push(chunk: Uint8Array | string): void {
    const text = typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true });
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n', start);
      if (end < 0) break;
      if (this.#skipping) {
        this.#skipping = false;
      } else if (this.#parts.length === 0) {
        this.#line(text.slice(start, end));
      } else {
        this.#parts.push(text.slice(start, end));
        const line = this.#parts.join('');
        this.#parts = [];
        this.#partsLength = 0;
        this.#line(line);
      }
      start = end + 1;
    }
    if (start < text.length && !this.#skipping) {
      this.#parts.push(start === 0 ? text : text.slice(start));
      this.#partsLength += text.length - start;
      if (this.#partsLength > this.#maxLineChars) {
        this.#onStray(`${this.#parts.join('').slice(0, 200)}… (a line of more than ${this.#maxLineChars} characters, dropped)`);
        this.#parts = [];
        this.#partsLength = 0;
        this.#skipping = true;
      }
    }
  }

  /** Reports what is left when the stream ends. */
  end(): void {
    if (this.#parts.length > 0 && !this.#skipping) this.#line(this.#parts.join(''));
    this.#parts = [];
    this.#partsLength = 0;
    this.#skipping = false;
  }

  #line(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const message = parseMessage(line);
    if (message !== null) return this.#onMessage(message);
    // A message written after stray text that did not end its line.
    const at = line.indexOf(MARKER);
    if (at > 0) {
      const glued = parseMessage(line.slice(at));
      if (glued !== null) {
        this.#onStray(line.slice(0, at));
        return this.#onMessage(glued);
      }
    }
    this.#onStray(line);
  }
}

/** Serializes one message as a line. JSON.stringify never emits a raw newline, so one line it is. */
export function encodeMessage(message: RpcMessage): string {
  return `${JSON.stringify(message)}\n`;
}

/** Handles a request or notification from the peer; a thrown RpcError becomes the error answer. */
export type RequestHandler = (method: string, params: Json | undefined) => Promise<Json> | Json;

interface Pending {
  resolve: (value: Json) => void;
  reject: (error: Error) => void;
}

/**
 * One end of the connection: sends requests and notifications, correlates answers by id, and
 * dispatches the peer's requests to `handler`.
 */
export class RpcPeer {
  readonly #write: (line: string) => void;
  readonly #handler: RequestHandler;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed: Error | null = null;

  constructor(write: (line: string) => void, handler: RequestHandler) {
    this.#write = write;
    this.#handler = handler;
  }

  /** Requests in flight to the peer. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Sends a request and resolves to its result; rejects with an {@link RpcError} or when closed. */
  request(method: string, params?: Json): Promise<Json> {
    if (this.#closed) return Promise.reject(this.#closed);
    const id = this.#nextId++;
    return new Promise<Json>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      try {
        this.#write(encodeMessage(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params }));
      } catch (error) {
        this.#pending.delete(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Sends a notification (no answer). */
  notify(method: string, params?: Json): void {
    if (this.#closed) return;
    this.#write(encodeMessage(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params }));
  }

  /** Handles one message from the peer. */
  receive(message: RpcMessage): void {
    if (typeof message.method === 'string') {
      void this.#serve(message);
      return;
    }
    if (typeof message.id !== 'number') return; // an answer to nothing we sent (or a parse error report)
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    if (message.error) pending.reject(new RpcError(message.error.code, message.error.message, message.error.data));
    else pending.resolve(message.result ?? null);
  }

  async #serve(message: RpcMessage): Promise<void> {
    const { id, method } = message;
    const isRequest = id !== undefined && id !== null;
    let answer: RpcMessage;
    try {
      const result = await this.#handler(method!, message.params);
      answer = { jsonrpc: '2.0', id: id ?? null, result: result ?? null };
    } catch (error) {
      const rpc = error instanceof RpcError ? error : new RpcError(rpcErrorCodes.INTERNAL_ERROR, error instanceof Error ? error.message : String(error));
      answer = { jsonrpc: '2.0', id: id ?? null, error: rpc.data === undefined ? { code: rpc.code, message: rpc.message } : { code: rpc.code, message: rpc.message, data: rpc.data } };
    }
    if (!isRequest || this.#closed) return;
    try {
      this.#write(encodeMessage(answer));
    } catch {
      // The stream is gone; the peer will notice.
    }
  }

  /** Fails every request in flight with `error`; later requests fail the same way. */
  close(error: Error): void {
    if (this.#closed) return;
    this.#closed = error;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}
