// Puts the app on a Node HTTP server: reads bodies (with a size limit), writes responses and
// hands /ws upgrades to the subscription server.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import { AtomicError } from '../atomic/errors.js';
import { errorResponse, requestedUrl, type App, type HttpRequest } from './app.js';
import type { SubscriptionServer } from './websocket.js';

/** Largest request body accepted. */
export const MAX_BODY_BYTES = 4 << 20;

function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    if (declared > limit) return reject(new AtomicError('BODY_TOO_LARGE', `${declared} bytes; at most ${limit} bytes are accepted`));
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        request.resume();
        reject(new AtomicError('BODY_TOO_LARGE', `more than ${limit} bytes; at most ${limit} bytes are accepted`));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Creates the Node HTTP server for an app. */
export function createNodeServer(app: App, serverUrl: string, subscriptions: SubscriptionServer): Server {
  const server = createServer(async (req, res) => {
    const request: HttpRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
    let response;
    try {
      if (request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH') {
        request.body = await readBody(req, MAX_BODY_BYTES);
      }
      response = await app(request);
    } catch (error) {
      // Only reading the body can fail here; the app turns its own errors into responses.
      response = errorResponse(error instanceof AtomicError ? error : new AtomicError('INTERNAL'), requestedUrl(serverUrl, request));
      res.setHeader('connection', 'close');
    }
    res.writeHead(response.status, response.headers);
    res.end(response.body);
  });
  server.on('upgrade', (req, socket, head) => {
    if ((req.url ?? '').split('?')[0] === '/ws') subscriptions.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  server.keepAliveTimeout = 30_000;
  return server;
}
