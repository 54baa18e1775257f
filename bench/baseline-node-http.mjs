/**
 * Baseline (a): the runtime's ceiling. A bare node:http server doing the same work as Probador's
 * GET /v1/me: take the Bearer key, SHA-256 it, look the hash up in a Map, answer the same JSON.
 *
 * Started by bench/run.mjs as a child process:
 *   BENCH_KEY=sk_live_…   the valid key
 *   BENCH_ME='{…}'        the body Probador answered for that key (the data the Map holds)
 *   PORT=N                port on 127.0.0.1 (0: any); prints "READY <port>" once listening
 */
import http from 'node:http';
import { buildKeyMap, meBody, lookup } from './lib/baseline-common.mjs';

const keys = buildKeyMap(process.env.BENCH_KEY, process.env.BENCH_ME);
const UNAUTHORIZED = JSON.stringify({ type: 'about:blank', title: 'Unauthorized', status: 401, code: 'INVALID_API_KEY' });

const server = http.createServer((req, res) => {
  if (req.method !== 'GET' || req.url !== '/v1/me') {
    res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
    res.end('{"status":404}');
    return;
  }
  const entry = lookup(keys, req.headers.authorization);
  if (!entry) {
    res.writeHead(401, { 'content-type': 'application/problem+json; charset=utf-8', 'content-length': Buffer.byteLength(UNAUTHORIZED) });
    res.end(UNAUTHORIZED);
    return;
  }
  const body = JSON.stringify(meBody(entry));
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});

server.keepAliveTimeout = 72_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`READY ${server.address().port}\n`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)).closeAllConnections());
