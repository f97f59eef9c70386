// The host the plugin suite measures, run as its own process: `atomic-plugin serve` as the CLI
// starts it, plus one native route, /bench/echo, that does what the probe plugin's echo endpoint
// does (answers the request's body with its content type). A plugin endpoint is then compared with
// the same handler written natively in the same host.
//
// Usage: node dist/bench/host-child.js --port <n> --data-dir <dir>; prints serve's --json line.

import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { HttpRequest, HttpResponse, Route } from '../server/http/app.js';
import { serveInfo, startServer, waitForStopSignal } from '../cli/lib/serve.js';

/** The native echo's path. */
export const NATIVE_ECHO_PATH = '/bench/echo';

const nativeEcho: Route = {
  matches: (path) => path === NATIVE_ECHO_PATH,
  handle(request: HttpRequest): Promise<HttpResponse> {
    const type = request.headers['content-type'];
    return Promise.resolve({
      status: 200,
      headers: { 'content-type': typeof type === 'string' ? type : 'text/plain; charset=utf-8' },
      body: request.body ?? '',
    });
  },
};

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string' }, 'data-dir': { type: 'string' } } });
  if (!values.port || !values['data-dir']) throw new Error('usage: host-child.js --port <n> --data-dir <dir>');
  const host = await startServer({
    dataDir: values['data-dir'],
    port: Number(values.port),
    listenHost: '127.0.0.1',
    log: (line) => process.stderr.write(`${line}\n`),
    routes: [nativeEcho],
  });
  const stopped = waitForStopSignal();
  process.stdout.write(`${JSON.stringify(serveInfo(host))}\n`);
  await stopped;
  await host.close();
  setTimeout(() => process.exit(), 1000).unref();
}

// Also imported by the suite for NATIVE_ECHO_PATH: only a run as a program starts a host.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
