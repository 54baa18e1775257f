/**
 * Baseline for the Meta webhook: bare node:http doing what acknowledging it takes at the least —
 * read the raw body, check `X-Hub-Signature-256` (HMAC-SHA256 of the raw bytes with the app
 * secret, constant-time compare), parse the JSON, take each message's wamid, drop one seen before
 * (a Set: Meta retries) and push the rest on an in-memory queue (an array a timer empties every
 * 100 ms, as a consumer would), then answer 200 `OK` as Probador's Meta driver does.
 *
 *   PORT=N BENCH_APP_SECRET=<32 hex> node bench/commerce/baseline-webhook.mjs   → prints "READY <port>"
 */
import http from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';

const secret = process.env.BENCH_APP_SECRET;
if (!secret) throw new Error('BENCH_APP_SECRET is required');
const seen = new Set();
let queue = [];
let enqueued = 0;
setInterval(() => {
  enqueued += queue.length;
  queue = [];
  if (seen.size > 2_000_000) seen.clear();
}, 100).unref();

const answer = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
};

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || !req.url.startsWith('/hooks/whatsapp/')) return answer(res, 404, 'not found');
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size > 1024 * 1024) req.destroy();
    else chunks.push(c);
  });
  req.on('end', () => {
    const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    const given = String(req.headers['x-hub-signature-256'] ?? '');
    const want = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
    const got = Buffer.from(given);
    if (got.length !== want.length || !timingSafeEqual(got, want)) return answer(res, 401, 'bad signature');
    let body;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return answer(res, 400, 'malformed');
    }
    for (const entry of body.entry ?? []) {
      for (const change of entry.changes ?? []) {
        for (const m of change.value?.messages ?? []) {
          if (seen.has(m.id)) continue;
          seen.add(m.id);
          queue.push({ id: m.id, from: m.from, type: m.type, text: m.text?.body, to: change.value.metadata?.phone_number_id });
        }
      }
    }
    answer(res, 200, 'OK');
  });
});

server.keepAliveTimeout = 72_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => process.stdout.write(`READY ${server.address().port}\n`));
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    process.stderr.write(`enqueued ${enqueued + queue.length}\n`);
    server.close(() => process.exit(0)).closeAllConnections();
  });
}
