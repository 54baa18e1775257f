/**
 * Reset mail through SMTP (SMTP_URL): a local smtp-server receives the message the platform mail
 * driver (nodemailer) sends; the outbox stays empty; a mail server that is down is a clear 503.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createTestApp, problem, type TestApp } from './harness.js';
import { accountsClient, pkHeaders, userAuth } from './accounts-helpers.js';

type Received = { from: string; to: string[]; raw: string };
const received: Received[] = [];
let smtp: SMTPServer;
let t: TestApp;
let c: ReturnType<typeof accountsClient>;

/** The message's text with quoted-printable soft breaks and escapes undone. */
const decoded = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (b: Buffer) => chunks.push(b));
      stream.on('end', () => {
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
  const port = (smtp.server.address() as AddressInfo).port;
  t = await createTestApp({ env: { SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM: 'Shop <no-reply@shop-a.example>' } });
  c = accountsClient(t);
});
afterAll(async () => {
  await t?.close();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
});

describe('SMTP mail driver', () => {
  it('sends the reset mail to the SMTP server; the link works once; nothing lands in the outbox or the log', async () => {
    const u = await c.newUser(t.tenantA);
    const res = await c.post('/v1/auth/password-reset', { email: u.user.email, reset_url: `${t.tenantA.origin}/reset` }, pkHeaders(t.tenantA));
    expect(res.statusCode, res.body).toBe(202);
    expect(received).toHaveLength(1);
    const m = received[0]!;
    expect(m.from).toBe('no-reply@shop-a.example');
    expect(m.to).toEqual([u.user.email]);
    const text = decoded(m.raw);
    expect(text).toContain('Subject: Reset your password');
    expect(text).toContain(`${t.tenantA.origin}/reset?token=prt_`);
    const token = /prt_[A-Za-z0-9_-]{20,}/.exec(text)![0];
    expect(t.logs.join('')).not.toContain(token);
    expect(t.logs.join('')).not.toContain(u.user.email);

    const outbox = await t.app.inject({ method: 'GET', url: '/admin/v1/outbox', headers: t.operatorAuth });
    expect(outbox.json()).toMatchObject({ driver: 'smtp', data: [] });
    // The outbox is for operators only.
    problem(await t.app.inject({ method: 'GET', url: '/admin/v1/outbox', headers: userAuth(u.access_token) }), 401, 'INVALID_TOKEN');

    expect((await c.post('/v1/auth/password-reset/confirm', { token, new_password: 'mailed new passphrase' }, pkHeaders(t.tenantA))).statusCode).toBe(204);
    problem(await c.post('/v1/auth/password-reset/confirm', { token, new_password: 'mailed new passphrase' }, pkHeaders(t.tenantA)), 400, 'RESET_TOKEN_INVALID');
    expect((await c.login(t.tenantA, u.user.email, 'mailed new passphrase')).statusCode).toBe(200);
  });

  it('a mail server that is down: 503 MAIL_NOT_SENT, and the log has no recipient or token', async () => {
    const u = await c.newUser(t.tenantA);
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    const res = await c.post('/v1/auth/password-reset', { email: u.user.email }, pkHeaders(t.tenantA));
    problem(res, 503, 'MAIL_NOT_SENT');
    expect(t.logs.join('')).toContain('mail not sent');
    expect(t.logs.join('')).not.toContain(u.user.email);
    expect(t.logs.join('')).not.toMatch(/prt_[A-Za-z0-9_-]{20,}/);
  });
});
