/**
 * A real HTTP receiver on 127.0.0.1 for the webhook tests (the only fake: the network edge).
 * Each path answers from its script of replies, then from its default (200 "ok").
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Received = { path: string; headers: IncomingHttpHeaders; body: string };
export type Reply = { status: number; body?: string; headers?: Record<string, string> };

export async function startReceiver() {
  const received: Received[] = [];
  const scripts = new Map<string, Reply[]>();
  const defaults = new Map<string, Reply>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const reply = scripts.get(path)?.shift() ?? defaults.get(path) ?? { status: 200, body: 'ok' };
      res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    /** `host:port`, for the module's allow-list. */
    host: `127.0.0.1:${port}`,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    /** These replies first, in order. */
    script: (path: string, ...replies: Reply[]) => void scripts.set(path, [...(scripts.get(path) ?? []), ...replies]),
    /** The reply once the script is used up. */
    always: (path: string, reply: Reply) => void defaults.set(path, reply),
    at: (path: string) => received.filter((r) => r.path === path),
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
