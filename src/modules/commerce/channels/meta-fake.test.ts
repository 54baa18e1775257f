/**
 * The Meta fake itself (test/fakes/meta-whatsapp.ts) answers raw requests the way the Cloud API
 * does — the end-to-end tests rely on it refusing what Meta would refuse, not only on the driver.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMeta, type FakeMeta } from '../../../../test/fakes/meta-whatsapp.js';

let fake: FakeMeta;
beforeAll(async () => {
  fake = await startFakeMeta();
});
afterAll(() => fake.close());

async function post(body: unknown, token = fake.accessToken) {
  const res = await fetch(`${fake.url}/v26.0/${fake.phoneNumberId}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: number; fbtrace_id: string; error_data: { details: string } }; messages?: { id: string }[] } };
}
const base = { messaging_product: 'whatsapp', to: '5491122334455' };

describe('meta fake', () => {
  it('accepts a documented text message and answers contacts + messages', async () => {
    const r = await post({ ...base, type: 'text', text: { body: 'hi' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ messaging_product: 'whatsapp', contacts: [{ input: '5491122334455', wa_id: '5491122334455' }], messages: [{ id: expect.stringMatching(/^wamid\./) }] });
  });

  it.each([
    ['a bad token', { ...base, type: 'text', text: { body: 'hi' } }, 'bad-token', 401, 190],
    ['no messaging_product', { to: '1', type: 'text', text: { body: 'hi' } }, undefined, 400, 100],
    ['no recipient', { messaging_product: 'whatsapp', type: 'text', text: { body: 'hi' } }, undefined, 400, 100],
    ['four buttons', { ...base, type: 'interactive', interactive: { type: 'button', body: { text: 'x' }, action: { buttons: [1, 2, 3, 4].map((i) => ({ type: 'reply', reply: { id: `${i}`, title: 'T' } })) } } }, undefined, 400, 131009],
    ['eleven list rows', { ...base, type: 'interactive', interactive: { type: 'list', body: { text: 'x' }, action: { button: 'Open', sections: [{ rows: Array.from({ length: 11 }, (_, i) => ({ id: `${i}`, title: 'R' })) }] } } }, undefined, 400, 131009],
    ['an unknown media id', { ...base, type: 'image', image: { id: '42' } }, undefined, 400, 131009],
    ['an unknown template', { ...base, type: 'template', template: { name: 'nope', language: { code: 'en' } } }, undefined, 400, 132001],
    ['a contacts message', { ...base, type: 'contacts', contacts: {} }, undefined, 400, 131051],
  ])('refuses %s with Graph’s error shape', async (_what, body, token, status, code) => {
    const r = await post(body, token);
    expect(r.status).toBe(status);
    expect(r.body.error).toMatchObject({ code, fbtrace_id: expect.any(String), error_data: { details: expect.any(String) } });
  });

  it('queues scenarios per route and leaves other routes alone', async () => {
    fake.scenario({ kind: 'error', code: 131056, retryAfterSeconds: 6 }, 'messages');
    const phone = await fetch(`${fake.url}/v26.0/${fake.phoneNumberId}?fields=verified_name`, { headers: { authorization: `Bearer ${fake.accessToken}` } });
    expect(await phone.json()).toEqual({ verified_name: 'Probador Shop', id: fake.phoneNumberId });
    const r = await post({ ...base, type: 'text', text: { body: 'hi' } });
    expect(r.body.error?.code).toBe(131056);
    expect((await post({ ...base, type: 'text', text: { body: 'hi' } })).status).toBe(200);
  });
});
