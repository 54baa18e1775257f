/**
 * Baseline (b): what such services usually start from. Express 5 with its defaults doing the same
 * work as Probador's GET /v1/me: take the Bearer key, SHA-256 it, look the hash up in a Map,
 * answer the same JSON.
 *
 * Started by bench/run.mjs as a child process, same environment as baseline-node-http.mjs:
 *   BENCH_KEY, BENCH_ME, PORT; prints "READY <port>" once listening.
 */
import express from 'express';
import { buildKeyMap, meBody, lookup } from './lib/baseline-common.mjs';

const keys = buildKeyMap(process.env.BENCH_KEY, process.env.BENCH_ME);

const app = express();
app.get('/v1/me', (req, res) => {
  const entry = lookup(keys, req.get('authorization'));
  if (!entry) {
    res.status(401).type('application/problem+json').json({ type: 'about:blank', title: 'Unauthorized', status: 401, code: 'INVALID_API_KEY' });
    return;
  }
  res.json(meBody(entry));
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`READY ${server.address().port}\n`);
});
server.keepAliveTimeout = 72_000;
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)).closeAllConnections());
