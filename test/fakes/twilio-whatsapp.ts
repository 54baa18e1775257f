/**
 * A fake Twilio Programmable Messaging API for WhatsApp (twilio.com/docs/messaging/api/message-resource),
 * and the inbound side: webhooks and status callbacks signed the way Twilio signs them, with the
 * official `twilio` package's own `getExpectedTwilioSignature`.
 *
 * - POST /2010-04-01/Accounts/{AC}/Messages.json (form-encoded, Basic auth with the account SID +
 *   auth token or an API key SK… + secret; else 401 {code: 20003}). Checks the documented input:
 *   To/From `whatsapp:+E164` (21211), From = the sender or MessagingServiceSid given (63007),
 *   Body / MediaUrl / ContentSid present (21619), Body ≤ 1600 (21617), ContentSid HX… (50526),
 *   ContentVariables JSON (21656). Answers 201 with the Message resource (`sid` SM…, `status` queued).
 * - GET /2010-04-01/Accounts/{AC}.json → the Account (`status` settable: active / suspended).
 * - Media: `addMedia()` stores bytes under /2010-04-01/Accounts/{AC}/Messages/{MM}/Media/{ME}
 *   (Basic auth), answered 307 to a CDN on another origin (`cdnUrl`), as Twilio does.
 * - Scenarios (FIFO, for the next Messages.json): `provider_error` with a Twilio code (HTTP status as
 *   Twilio gives it), `rate_limited` (429, code 20429 or the one given, Retry-After), `server_error`,
 *   `slow` (no answer at all).
 * - `inbound(webhookUrl, fields)` / `statusCallback(...)` build a signed request; `deliver(req)` POSTs it.
 */
import type { ServerResponse } from 'node:http';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import { fakeId, sendJson, startFake, type FakeBase, type FakeScenario, type RecordedRequest } from './fake-server.js';

const hex = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');
export const twilioSid = (prefix: string) => `${prefix}${hex(32)}`;

export type SentMessage = { sid: string; params: URLSearchParams; statusCallback?: string | undefined };

/** A signed request as Twilio sends it, in the shape the driver's WebhookRequest takes. */
export type SignedRequest = {
  method: 'POST';
  url: string;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
  params: Record<string, string>;
};

export type FakeTwilio = FakeBase & {
  accountSid: string;
  authToken: string;
  apiKeySid: string;
  apiKeySecret: string;
  sender: string;
  messagingServiceSid: string;
  cdnUrl: string;
  cdnRequests: RecordedRequest[];
  accountStatus: 'active' | 'suspended' | 'closed';
  /** Messages created, in order. */
  sent: SentMessage[];
  /** Connection credentials pointing at this fake. */
  credentials: (extra?: Record<string, string>) => Record<string, string>;
  /** Store media as Twilio keeps an inbound message's media; returns its MediaUrl. */
  addMedia: (bytes: Buffer, contentType: string) => string;
  /** An inbound message to `webhookUrl`, signed. Defaults: From, WaId, ProfileName, MessageSid, AccountSid. */
  inbound: (webhookUrl: string, fields: Record<string, string>, opts?: { authToken?: string }) => SignedRequest;
  /** A status callback for a sent message, to the StatusCallback URL it was created with. */
  statusCallback: (sid: string, status: string, fields?: Record<string, string>) => SignedRequest;
  /** POST a signed request to its URL (for end-to-end tests through the app). */
  deliver: (req: SignedRequest) => Promise<Response>;
};

const E164 = /^whatsapp:\+[1-9]\d{6,14}$/;

function twilioError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}) {
  sendJson(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, headers);
}

/** The HTTP status Twilio answers a synchronous error code with. */
const STATUS_OF_CODE: Record<string, number> = { '20003': 401, '20404': 404, '20429': 429, '63018': 429 };

export async function startFakeTwilio(opts: { sender?: string } = {}): Promise<FakeTwilio> {
  const media = new Map<string, { bytes: Buffer; type: string }>();
  const cdnFiles = new Map<string, { bytes: Buffer; type: string }>();
  const cdn = await startFake((_req, res) => sendJson(res, 404, { message: 'not found' }), cdnFiles);
  // eslint-disable-next-line prefer-const -- assigned once the server is up; the routes run later
  let fake: FakeTwilio & { nextScenario: () => FakeScenario };

  const authorized = (req: RecordedRequest) => {
    const h = req.headers.authorization ?? '';
    const [user, pass] = Buffer.from(h.replace(/^Basic /, ''), 'base64').toString('utf8').split(':');
    return h.startsWith('Basic ') && ((user === fake.accountSid && pass === fake.authToken) || (user === fake.apiKeySid && pass === fake.apiKeySecret));
  };

  function createMessage(req: RecordedRequest, res: ServerResponse) {
    const p = new URLSearchParams(typeof req.body === 'string' ? req.body : '');
    const to = p.get('To') ?? '';
    const from = p.get('From');
    const mg = p.get('MessagingServiceSid');
    if (!E164.test(to)) return twilioError(res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (!from && !mg) return twilioError(res, 400, 21603, "The 'From' phone number is required.");
    if (from && from !== fake.sender) return twilioError(res, 400, 63007, "Twilio could not find a Channel with the specified 'From' address");
    if (mg && mg !== fake.messagingServiceSid) return twilioError(res, 404, 21701, 'The Messaging Service Sid is invalid.');
    const body = p.get('Body');
    const contentSid = p.get('ContentSid');
    if (!body && !p.get('MediaUrl') && !contentSid) return twilioError(res, 400, 21619, 'A text message body or media urls must be specified.');
    if (body && body.length > 1600) return twilioError(res, 400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    if (contentSid && !/^HX[0-9a-f]{32}$/.test(contentSid)) return twilioError(res, 400, 50526, 'Invalid content SID');
    const vars = p.get('ContentVariables');
    if (vars !== null) {
      try {
        JSON.parse(vars);
      } catch {
        return twilioError(res, 400, 21656, 'The ContentVariables Parameter is invalid.');
      }
    }
    const s = fake.nextScenario();
    if (s.kind === 'rate_limited') return twilioError(res, 429, Number(s.code ?? 20429), 'Too Many Requests', { 'retry-after': String(s.retryAfterSeconds) });
    if (s.kind === 'server_error') return twilioError(res, s.status, 20500, 'Internal Server Error');
    if (s.kind === 'slow') return; // never answers (until the fake closes)
    if (s.kind === 'provider_error') {
      const code = s.code ?? '63016';
      return twilioError(res, STATUS_OF_CODE[code] ?? 400, Number(code), s.message ?? `Twilio error ${code}`);
    }
    const sid = twilioSid(p.get('MediaUrl') ? 'MM' : 'SM');
    fake.sent.push({ sid, params: p, statusCallback: p.get('StatusCallback') ?? undefined });
    const now = new Date().toUTCString();
    sendJson(res, 201, {
      account_sid: fake.accountSid, api_version: '2010-04-01', body: body ?? '', date_created: now, date_sent: null, date_updated: now,
      direction: 'outbound-api', error_code: null, error_message: null, from: from ?? null, messaging_service_sid: mg ?? null,
      num_media: p.get('MediaUrl') ? '1' : '0', num_segments: '1', price: null, price_unit: null, sid, status: mg ? 'accepted' : 'queued',
      subresource_uris: { media: `/2010-04-01/Accounts/${fake.accountSid}/Messages/${sid}/Media.json` }, to,
      uri: `/2010-04-01/Accounts/${fake.accountSid}/Messages/${sid}.json`,
    });
  }

  const base = await startFake((req, res) => {
    const account = /^\/2010-04-01\/Accounts\/([^/.]+)(\.json|\/.*)?$/.exec(req.path);
    if (!account) return twilioError(res, 404, 20404, 'The requested resource was not found');
    if (!authorized(req)) return twilioError(res, 401, 20003, 'Authenticate');
    if (account[1] !== fake.accountSid) return twilioError(res, 404, 20404, `The requested resource ${req.path} was not found`);
    const rest = account[2] ?? '';
    if (rest === '.json' && req.method === 'GET') {
      return sendJson(res, 200, { sid: fake.accountSid, friendly_name: 'Fake account', status: fake.accountStatus, type: 'Full', date_created: new Date().toUTCString() });
    }
    if (rest === '/Messages.json' && req.method === 'POST') return createMessage(req, res);
    const m = /^\/Messages\/(MM[0-9a-f]{32})\/Media\/(ME[0-9a-f]{32})$/.exec(rest);
    if (m && req.method === 'GET') {
      const item = media.get(m[2]!);
      if (!item) return twilioError(res, 404, 20404, 'The requested resource was not found');
      const name = `${m[2]}`;
      cdnFiles.set(name, item);
      res.writeHead(307, { location: `${cdn.url}/files/${name}`, 'content-length': 0 });
      res.end();
      return;
    }
    twilioError(res, 404, 20404, 'The requested resource was not found');
  }, new Map());

  const sign = (url: string, params: Record<string, string>, token: string): SignedRequest => {
    const body = new URLSearchParams(params).toString();
    const q = new URL(url).searchParams;
    return {
      method: 'POST',
      url,
      query: Object.fromEntries(q.entries()),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': getExpectedTwilioSignature(token, url, params),
        'i-twilio-idempotency-token': fakeId('idem-'),
        'user-agent': 'TwilioProxy/1.1',
      },
      rawBody: Buffer.from(body),
      params,
    };
  };

  fake = Object.assign(base, {
    accountSid: twilioSid('AC'),
    authToken: hex(32),
    apiKeySid: twilioSid('SK'),
    apiKeySecret: hex(32),
    sender: opts.sender ?? 'whatsapp:+14155238886',
    messagingServiceSid: twilioSid('MG'),
    cdnUrl: cdn.url,
    cdnRequests: cdn.requests,
    accountStatus: 'active' as const,
    sent: [] as SentMessage[],
    credentials: (extra: Record<string, string> = {}) => ({ account_sid: fake.accountSid, auth_token: fake.authToken, from: fake.sender, base_url: base.url, ...extra }),
    addMedia: (bytes: Buffer, contentType: string) => {
      const me = twilioSid('ME');
      media.set(me, { bytes, type: contentType });
      return `${base.url}/2010-04-01/Accounts/${fake.accountSid}/Messages/${twilioSid('MM')}/Media/${me}`;
    },
    inbound: (webhookUrl: string, fields: Record<string, string>, o: { authToken?: string } = {}) => {
      const from = fields.From ?? 'whatsapp:+5491122334455';
      const params: Record<string, string> = {
        SmsMessageSid: fields.MessageSid ?? '', NumMedia: '0', ProfileName: 'Ana', MessageType: 'text', SmsSid: '', WaId: from.replace(/^whatsapp:\+/, ''),
        SmsStatus: 'received', Body: '', To: fake.sender, NumSegments: '1', ReferralNumMedia: '0', MessageSid: '', AccountSid: fake.accountSid, From: from, ApiVersion: '2010-04-01',
        ...fields,
      };
      const sid = params.MessageSid || twilioSid('SM');
      params.MessageSid = sid;
      params.SmsMessageSid = sid;
      params.SmsSid = sid;
      return sign(webhookUrl, params, o.authToken ?? fake.authToken);
    },
    statusCallback: (sid: string, status: string, fields: Record<string, string> = {}) => {
      const msg = fake.sent.find((s) => s.sid === sid);
      if (!msg?.statusCallback) throw new Error(`no StatusCallback recorded for ${sid}`);
      const params: Record<string, string> = {
        ChannelPrefix: 'whatsapp', ApiVersion: '2010-04-01', MessageStatus: status, SmsSid: sid, SmsStatus: status, ChannelInstallSid: twilioSid('XE'),
        To: msg.params.get('To') ?? '', From: msg.params.get('From') ?? fake.sender, MessageSid: sid, AccountSid: fake.accountSid, ...fields,
      };
      return sign(msg.statusCallback, params, fake.authToken);
    },
    deliver: (req: SignedRequest) =>
      fetch(req.url, { method: 'POST', headers: Object.fromEntries(Object.entries(req.headers).filter((e): e is [string, string] => e[1] !== undefined)), body: req.rawBody }),
  });
  const close = base.close;
  fake.close = async () => {
    await Promise.all([close(), cdn.close()]);
  };
  return fake;
}
