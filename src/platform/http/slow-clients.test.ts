/**
 * Slow clients (slowloris, issue 20 item 4): a request whose body stalls, or that takes too long
 * to arrive at all, is answered 408 REQUEST_TIMEOUT (problem+json) and its connection is closed.
 * Raw TCP sockets against the listening server (inject has no sockets); timeouts set short here.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/harness.js';

let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await createTestApp({ env: { PROBADOR_BODY_TIMEOUT_MS: '300', PROBADOR_REQUEST_TIMEOUT_MS: '1500' } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as AddressInfo).port;
});
afterAll(async () => t?.close());

/** Open a socket, write `head`, then call `more` (which may trickle bytes); resolve with all that came back once the server closes. */
function exchange(head: string, more?: (s: net.Socket) => void): Promise<{ text: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closedByServer = false;
    // A bound on the test itself, far above the timeouts under test: the server must close first.
    const guard = setTimeout(() => {
      s.destroy();
      resolve({ text: Buffer.concat(chunks).toString(), closedByServer });
    }, 15_000);
    s.on('data', (c) => chunks.push(c));
    s.on('end', () => (closedByServer = true));
    s.on('close', () => {
      clearTimeout(guard);
      resolve({ text: Buffer.concat(chunks).toString(), closedByServer });
    });
    s.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
    s.write(head, () => more?.(s));
  });
}

function parse(text: string) {
  const [head, body] = text.split('\r\n\r\n');
  const status = Number(head!.split(' ')[1]);
  const headers = Object.fromEntries(head!.split('\r\n').slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status, headers, json: JSON.parse(body!) as Record<string, unknown> };
}

const postHead = (length: number) =>
  `POST /admin/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

describe('slow clients', () => {
  it('a body that stalls gets 408 REQUEST_TIMEOUT problem+json and the connection is closed', async () => {
    const { text, closedByServer } = await exchange(postHead(200) + '{"email":"a@b.c",');
    expect(closedByServer).toBe(true);
    const res = parse(text);
    expect(res.status).toBe(408);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers.connection).toBe('close');
    expect(res.json).toMatchObject({ status: 408, code: 'REQUEST_TIMEOUT', title: 'The request was not received in time' });
    expect(res.json.request_id).toBe(res.headers['request-id']);
    expect(String(res.json.detail)).toMatch(/stalled/);
  });

  it('a multipart upload that stalls (the route reads the body itself) gets the same 408', async () => {
    const boundary = 'probador-slow';
    const part = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="me.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG`;
    const head =
      `POST /v1/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${t.tenantA.secretKey}\r\n` +
      `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 50000\r\n\r\n`;
    const { text, closedByServer } = await exchange(head + part);
    expect(closedByServer).toBe(true);
    const res = parse(text);
    expect(res.status).toBe(408);
    expect(res.json).toMatchObject({ code: 'REQUEST_TIMEOUT' });
    expect(String(res.json.detail)).toMatch(/stalled/);
  });

  it('a body trickled a byte at a time (never idle long enough) is cut by the request timeout', async () => {
    let timer: NodeJS.Timeout | undefined;
    const { text, closedByServer } = await exchange(postHead(10_000), (s) => {
      timer = setInterval(() => s.writable && s.write(' '), 100);
    });
    clearInterval(timer);
    expect(closedByServer).toBe(true);
    const res = parse(text);
    expect(res.status).toBe(408);
    expect(res.json).toMatchObject({ code: 'REQUEST_TIMEOUT' });
    expect(String(res.json.detail)).toMatch(/not received within 1500 ms/);
  });

  it('headers that never finish are cut too', async () => {
    const { text, closedByServer } = await exchange('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n');
    expect(closedByServer).toBe(true);
    expect(parse(text).status).toBe(408);
  });

  it('a request that arrives in time is answered normally, on a connection kept alive', async () => {
    const body = JSON.stringify({ email: 'nobody@test.local', password: 'wrong-password-1' });
    const s = net.connect(port, '127.0.0.1');
    const text = await new Promise<string>((resolve) => {
      let got = '';
      s.on('data', (c) => {
        got += c.toString();
        if (got.includes('"code"')) resolve(got);
      });
      // Headers now, the body after 100 ms (well under the body timeout).
      s.write(postHead(Buffer.byteLength(body)), () => setTimeout(() => s.write(body), 100));
    });
    expect(parse(text).status).toBe(401);
    // Still open after the answer: the keep-alive connection was not cut by the body timer.
    await new Promise((r) => setTimeout(r, 600));
    expect(s.destroyed).toBe(false);
    s.destroy();
  });
});
