// The bare-HTTP baseline: a plain node:http server (run as its own process) that reads any request body and answers a fixed JSON body.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A JSON-AD-sized answer, so the bytes on the wire are close to the host's GET of a small resource. */
const BARE_BODY = JSON.stringify({
  '@id': 'http://localhost:9883/bench-get-public',
  'https://atomicdata.dev/properties/parent': 'http://localhost:9883',
  'https://atomicdata.dev/properties/name': 'Bench resource',
  'https://atomicdata.dev/properties/description': 'A resource read by the GET benchmark.',
  'https://atomicdata.dev/properties/read': ['https://atomicdata.dev/agents/publicAgent'],
  'https://atomicdata.dev/properties/lastCommit': 'http://localhost:9883/commits/0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000',
});

function main(): void {
  const portArg = process.argv.indexOf('--port');
  const port = portArg >= 0 ? Number(process.argv[portArg + 1]) : 0;
  const body = Buffer.from(BARE_BODY, 'utf8');
  const headers = { 'content-type': 'application/ad+json; charset=utf-8', 'content-length': String(body.length) };
  const server = createServer((req, res) => {
    // Drain the request body first (as a real server must) before answering.
    req.on('data', () => undefined);
    req.on('end', () => {
      res.writeHead(200, headers);
      res.end(body);
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
  });
  const stop = (): void => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
