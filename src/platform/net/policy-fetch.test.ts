/** The drivers' fetch under the platform's SSRF policy: the methods providers use, and what it refuses. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { policyFetch } from './policy-fetch.js';

let server: Server;
let host: string;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += String(c)));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url} ${body}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('policyFetch', () => {
  it('speaks GET, POST, PUT, PATCH and DELETE to an allow-listed host', async () => {
    const f = policyFetch({ allowPrivateHosts: [host], timeoutMs: 5000, maxBytes: 1024 });
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      const res = await f(`http://${host}/instance/logout/x`, { method, ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{"a":1}', headers: { 'content-type': 'application/json' } }) });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { method: string }).method).toBe(method);
    }
    expect(seen).toContain('DELETE /instance/logout/x ');
    expect(seen).toContain('PATCH /instance/logout/x {"a":1}');
  });

  it('refuses a private host that is not on the list, and other methods', async () => {
    const f = policyFetch({ allowPrivateHosts: [], timeoutMs: 5000, maxBytes: 1024 });
    await expect(f(`http://${host}/x`)).rejects.toThrow();
    const g = policyFetch({ allowPrivateHosts: [host], timeoutMs: 5000, maxBytes: 1024 });
    await expect(g(`http://${host}/x`, { method: 'TRACE' })).rejects.toThrow(/not supported/);
  });
});
