/**
 * The one interface every WhatsApp channel driver speaks (simulator, Meta Cloud API, Twilio,
 * Evolution API, Baileys). A driver is an adapter only: it turns the platform's provider-neutral
 * content into the provider's documented request, its answers and webhooks back into events, and
 * its errors into `ChannelError`s with a WhatsApp-level reason. It keeps no state of its own
 * (stores, windows, opt-outs, fallback and rate limits are the commerce module's), except the
 * Baileys driver's linked-device socket.
 */
import { ProviderError, type HealthResult, type ProviderErrorClass } from '../../../platform/providers/types.js';
import type { FetchLike } from '../../../platform/providers/http.js';

export type ChannelProvider = 'simulator' | 'meta' | 'twilio' | 'evolution' | 'baileys';

// ---------------------------------------------------------------- addresses

/**
 * Who a message goes to or comes from. `phone` is E.164 with the plus (`+5491122334455`) when
 * known; `providerId` is the provider's own id for the person when it is not a phone number
 * (`wa_id` digits for Meta, `whatsapp:+E164` for Twilio, a JID or `…@lid` for Baileys/Evolution).
 * The commerce module maps every form to one contact (`ctc_`).
 */
export type ContactAddress = { phone?: string | undefined; providerId?: string | undefined; name?: string | undefined };

// ---------------------------------------------------------------- outbound content

export type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker';

/** Media to send: a public https URL the provider fetches, or bytes the driver uploads first (Meta) or links (others). */
export type OutboundMedia = {
  kind: MediaKind;
  /** A URL the provider can fetch (a signed /v1/files link of ours, or the store's own). */
  url?: string | undefined;
  /** Bytes, when the driver can upload them (Meta's /media, Baileys); otherwise `url` is required. */
  bytes?: Buffer | undefined;
  contentType?: string | undefined;
  filename?: string | undefined;
  caption?: string | undefined;
};

export type ReplyButton = { id: string; title: string };
export type ListRow = { id: string; title: string; description?: string | undefined };
export type ListSection = { title?: string | undefined; rows: ListRow[] };

/**
 * A template as the platform knows it: the store's name for it, its language and category, the
 * values of its body placeholders ({{1}}, {{2}}…), and what each provider calls it. Meta sends
 * `name` + `language`; Twilio sends `twilioContentSid` with the values as ContentVariables;
 * Evolution (on a Cloud API instance) sends `name` + `language`; Baileys and the simulator render
 * `body` with the values as plain text (Baileys never gets marketing: see the fallback rules).
 */
export type TemplateRef = {
  name: string;
  language: string;
  category: 'utility' | 'marketing' | 'authentication';
  /** Values of the body placeholders, in order ({{1}} is params[0]). */
  params: string[];
  /** The template's body with {{n}} placeholders, to render where the provider has no templates. */
  body?: string | undefined;
  twilioContentSid?: string | undefined;
};

export type OutboundContent =
  | { type: 'text'; text: string; previewUrl?: boolean | undefined }
  | { type: 'media'; media: OutboundMedia }
  /** Up to 3 reply buttons (titles ≤ 20 characters). */
  | { type: 'buttons'; body: string; header?: string | undefined; footer?: string | undefined; buttons: ReplyButton[] }
  /** A list: a button label (≤ 20) and up to 10 rows in all (titles ≤ 24, descriptions ≤ 72). */
  | { type: 'list'; body: string; button: string; header?: string | undefined; footer?: string | undefined; sections: ListSection[] }
  /** One catalog product (Meta's `product` interactive message). */
  | { type: 'product'; body?: string | undefined; footer?: string | undefined; catalogId: string; productRetailerId: string }
  /** Up to 30 products in sections (Meta's `product_list`). */
  | { type: 'product_list'; header: string; body: string; footer?: string | undefined; catalogId: string; sections: { title: string; productRetailerIds: string[] }[] }
  /** A link button (Meta's `cta_url`): the payment link of an order, a product page. */
  | { type: 'cta_url'; body: string; displayText: string; url: string; header?: string | undefined; footer?: string | undefined }
  | { type: 'template'; template: TemplateRef };

export type SendRequest = {
  to: ContactAddress;
  content: OutboundContent;
  /** The provider's id of the message being answered (shown as a quote where the provider supports it). */
  replyToProviderMessageId?: string | undefined;
  /** Our message id (msg_…): Twilio's StatusCallback carries it back; idempotency where the provider has it. */
  messageId: string;
  signal: AbortSignal;
};

export type SendResult = {
  /** The provider's id for the message (wamid…, SM…, a Baileys key id): statuses come back under it. */
  providerMessageId: string;
  /** `sent` when the provider has taken it; statuses (delivered, read, failed) follow by webhook. */
  status: 'accepted' | 'sent';
  /** The contact as the provider resolved it (Meta's `contacts[0].wa_id`), when it says. */
  resolvedProviderId?: string | undefined;
};

// ---------------------------------------------------------------- inbound

export type InboundMedia = {
  kind: MediaKind;
  /** Meta's media id, to download with the driver. */
  providerMediaId?: string | undefined;
  /** A URL to download from (Twilio's MediaUrl0, Evolution's); fetched with the connection's credentials. */
  url?: string | undefined;
  contentType?: string | undefined;
  caption?: string | undefined;
  filename?: string | undefined;
  sha256?: string | undefined;
};

export type InboundContent =
  | { type: 'text'; text: string }
  | { type: 'media'; media: InboundMedia }
  /** A reply button or a template's quick-reply button. */
  | { type: 'button_reply'; id: string; title: string }
  | { type: 'list_reply'; id: string; title: string; description?: string | undefined }
  /** A cart sent from a catalog (Meta's `order` message). Prices in the currency's minor unit when given. */
  | { type: 'order'; catalogId?: string | undefined; text?: string | undefined; items: { productRetailerId: string; quantity: number; itemPrice?: number | undefined; currency?: string | undefined }[] }
  | { type: 'location'; latitude: number; longitude: number; name?: string | undefined; address?: string | undefined }
  /** Something the platform does not handle (reaction, sticker pack, call…): kept with its provider type. */
  | { type: 'unsupported'; providerType: string };

export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed';

export type InboundEvent =
  | {
      kind: 'message';
      /** The provider's message id: the deduplication key (Meta retries webhooks). */
      providerMessageId: string;
      from: ContactAddress;
      timestamp: Date;
      content: InboundContent;
      /** The provider's id of the message this one replies to (Meta's `context.id`). */
      replyToProviderMessageId?: string | undefined;
      /** The business number it was sent to, when the provider says (Meta's `metadata.phone_number_id`): one webhook may serve several numbers. */
      to?: string | undefined;
    }
  | {
      kind: 'status';
      providerMessageId: string;
      status: DeliveryStatus;
      timestamp: Date;
      recipient?: ContactAddress | undefined;
      error?: { reason: ChannelFailure; providerCode?: string | undefined; message: string } | undefined;
      /** The business number that sent the message, when the provider says (Meta's `metadata.phone_number_id`). */
      to?: string | undefined;
      /**
       * Our message id (`SendRequest.messageId`) echoed back — Meta's `biz_opaque_callback_data`,
       * Twilio's StatusCallback `?msg=` — when the provider carries it: a send whose answer was
       * lost (the worker died mid-request) is matched by it instead of sent again.
       */
      messageId?: string | undefined;
    }
  /** Linked-device and instance state (Evolution, Baileys): pairing QR, connected, logged out. */
  | { kind: 'connection'; state: ConnectionState; qr?: string | undefined; pairingCode?: string | undefined; detail?: string | undefined };

export type ConnectionState = 'connecting' | 'qr' | 'open' | 'closed' | 'logged_out';

// ---------------------------------------------------------------- webhooks

/** An inbound HTTP request as the provider sent it: the raw body, before any parsing. */
export type WebhookRequest = {
  method: 'GET' | 'POST';
  /** The full public URL the provider called (Twilio signs it), query string included. */
  url: string;
  query: Record<string, string | undefined>;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
};

/**
 * What the webhook route answers before parsing: `accept` (signature good: parse and persist),
 * `respond` (a verification handshake such as Meta's hub.challenge: answer this and stop), or
 * `reject` (bad signature or token: 401/403, nothing stored).
 */
export type WebhookVerdict =
  | { action: 'accept' }
  | { action: 'respond'; status: number; contentType: string; body: string }
  | { action: 'reject'; status: 401 | 403; reason: string };

// ---------------------------------------------------------------- connections

/**
 * One channel connection of a bot, as a driver sees it: the decrypted credentials (never logged,
 * never returned by the API), the provider-neutral settings and the HTTP plumbing.
 */
export type ConnectionContext = {
  id: string;
  tenantId: string;
  botId: string;
  credentials: Record<string, string>;
  settings: Record<string, unknown>;
  /** Fetch under the platform's SSRF policy (https, public addresses, or the operator's allow-list). */
  fetch: FetchLike;
  /** The public URL providers call for this connection (its webhook), e.g. …/hooks/whatsapp/<conn id>. */
  webhookUrl: string;
};

/** What a driver can do: the sender checks these before choosing it. */
export type ChannelCapabilities = {
  templates: boolean;
  buttons: boolean;
  lists: boolean;
  products: boolean;
  media: boolean;
  /** Meta-approved API (Cloud API, Twilio; Evolution on a Cloud instance). Unofficial ones never send marketing. */
  official: boolean;
};

export interface ChannelDriver {
  readonly provider: ChannelProvider;
  capabilities(conn: ConnectionContext): ChannelCapabilities;
  /** Checks the credentials' shape when a connection is saved; throws ChannelError('bad_request') naming the missing field. */
  validateCredentials(credentials: Record<string, string>): void;
  send(conn: ConnectionContext, req: SendRequest): Promise<SendResult>;
  /** Download inbound media (size-capped); `null` when the provider no longer has it. */
  downloadMedia?(conn: ConnectionContext, media: InboundMedia, signal: AbortSignal): Promise<{ bytes: Buffer; contentType: string } | null>;
  /** Verification handshake and signature check, on the raw request, before anything is parsed or stored. */
  verifyWebhook(conn: ConnectionContext, req: WebhookRequest): WebhookVerdict;
  /** The events in a verified webhook; throws ChannelError('bad_request') when the body is malformed. */
  parseWebhook(conn: ConnectionContext, req: WebhookRequest): InboundEvent[];
  /** What the webhook route answers once the events are stored (Twilio expects TwiML; the others 200). */
  webhookAck?(): { status: number; contentType: string; body: string };
  /** A cheap authenticated call (Meta: the phone number; Twilio: the account; Evolution: connectionState). */
  health(conn: ConnectionContext, signal: AbortSignal): Promise<HealthResult>;
  /** Linked-device providers: start pairing or reconnect; events arrive through `onEvent` given at creation. */
  connect?(conn: ConnectionContext, opts: { pairingPhone?: string | undefined; signal: AbortSignal }): Promise<{ state: ConnectionState; qr?: string | undefined; pairingCode?: string | undefined }>;
  disconnect?(conn: ConnectionContext): Promise<void>;
}

// ---------------------------------------------------------------- errors

/**
 * Why a send failed, in WhatsApp's terms (providers' codes mapped: Meta 131047 → outside_window,
 * 131050 → opted_out, 130429 → rate_limited, 131056 → pair_rate, 131026 → undeliverable,
 * 132000/132001 → template, 131051 → unsupported, 190 → auth, 368 → policy; Twilio 63016 →
 * outside_window, 63018 → rate_limited, 21610 → opted_out…).
 */
export type ChannelFailure =
  | 'outside_window'
  | 'opted_out'
  | 'undeliverable'
  | 'rate_limited'
  | 'pair_rate'
  | 'template'
  | 'unsupported'
  | 'auth'
  | 'policy'
  | 'bad_request'
  | 'unavailable'
  | 'timeout'
  | 'unknown';

const CLASS_OF: Record<ChannelFailure, ProviderErrorClass> = {
  outside_window: 'bad_input',
  opted_out: 'content_policy',
  undeliverable: 'bad_input',
  rate_limited: 'rate_limited',
  pair_rate: 'rate_limited',
  template: 'bad_input',
  unsupported: 'bad_input',
  auth: 'auth',
  policy: 'content_policy',
  bad_request: 'bad_input',
  unavailable: 'unavailable',
  timeout: 'timeout',
  unknown: 'unknown',
};

/**
 * A channel's failure: a ProviderError (so the platform's router and breakers understand it)
 * with the WhatsApp-level `reason`. `retryAfterMs` carries the provider's backoff (Retry-After,
 * or the wait its code implies: 131056 about 6 s per pair).
 */
export class ChannelError extends ProviderError {
  override name = 'ChannelError';
  constructor(
    provider: ChannelProvider,
    readonly reason: ChannelFailure,
    message: string,
    opts: { status?: number | undefined; providerCode?: string | undefined; retryAfterMs?: number | undefined; retryable?: boolean | undefined; cause?: unknown } = {},
  ) {
    super(provider, CLASS_OF[reason], message, opts);
  }
  /** The failure says something about the recipient or the content: another provider would fail the same way. */
  get isRecipientError(): boolean {
    return this.reason === 'opted_out' || this.reason === 'undeliverable' || this.reason === 'bad_request' || this.reason === 'unsupported' || this.reason === 'policy';
  }
}
