/**
 * The common half of every provider fake: a node:http server on 127.0.0.1 (port 0) that records
 * each request (method, path, query, headers, parsed body), serves output images from its own
 * `/files/…` URLs, and hands the rest to the provider-specific router. Scenarios are queued per
 * job: `scenario(s)` applies to the next job submitted (then the default `success` returns).
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RecordedRequest = {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** JSON-parsed when the body is JSON; a FormData for multipart; else the raw text. */
  body: unknown;
  rawBody: Buffer;
};

export type FakeScenario =
  /** Done on the first status poll. */
  | { kind: 'success' }
  /** Queued with these positions (one per poll; providers without positions just report "queued"), then running, then done. */
  | { kind: 'queued'; positions: number[] }
  /** Never finishes until canceled. */
  | { kind: 'slow' }
  /** The job fails with the provider's own error shape; `code` picks the provider's error type. */
  | { kind: 'provider_error'; code?: string; message?: string }
  /** The submit is answered 429 with Retry-After. */
  | { kind: 'rate_limited'; retryAfterSeconds: number; code?: string }
  /** The submit is answered with this 5xx. */
  | { kind: 'server_error'; status: number };

export type Route = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export type FakeBase = {
  url: string;
  requests: RecordedRequest[];
  /** Set the scenario of the next job (FIFO). */
  scenario: (s: FakeScenario) => void;
  /** Requests matching a method and a path test. */
  calls: (method: string, path: string | RegExp) => RecordedRequest[];
  close: () => Promise<void>;
};

export function sendJson(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function parseBody(headers: IncomingHttpHeaders, raw: Buffer): Promise<unknown> {
  const type = headers['content-type'] ?? '';
  if (raw.length === 0) return undefined;
  if (type.includes('application/json')) {
    try {
      return JSON.parse(raw.toString('utf8'));
    } catch {
      return raw.toString('utf8');
    }
  }
  if (type.includes('multipart/form-data')) return new Response(raw, { headers: { 'content-type': type } }).formData();
  return raw.toString('utf8');
}

/** Start a fake; `route` handles everything but `/files/*` (served from `files`). */
export async function startFake(route: Route, files: Map<string, { bytes: Buffer; type: string }>): Promise<FakeBase & { nextScenario: () => FakeScenario }> {
  const requests: RecordedRequest[] = [];
  const queue: FakeScenario[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const rawBody = await readBody(req);
      const u = new URL(req.url ?? '/', 'http://fake');
      const rec: RecordedRequest = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body: await parseBody(req.headers, rawBody), rawBody };
      requests.push(rec);
      const file = u.pathname.startsWith('/files/') ? files.get(u.pathname.slice('/files/'.length)) : undefined;
      if (file) {
        res.writeHead(200, { 'content-type': file.type, 'content-length': file.bytes.length });
        res.end(file.bytes);
        return;
      }
      await route(rec, res);
    })().catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { fake_error: String(e) });
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    scenario: (s) => void queue.push(s),
    nextScenario: () => queue.shift() ?? { kind: 'success' },
    calls: (method, path) => requests.filter((r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path))),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let seq = 0;
/** A fresh id in the provider's style. */
export const fakeId = (prefix = '') => `${prefix}${Date.now().toString(36)}${(++seq).toString(36).padStart(4, '0')}`;

/** The smallest valid PNG (1×1, opaque red): the default output when a test doesn't give one. */
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC',
  'base64',
);
