/**
 * Bots and their channel connections: create (a bot without connections gets a simulator one),
 * read, list, change, delete; connections added, changed, reordered, removed. Credentials are
 * checked by the provider's driver, sealed (AES-256-GCM, bound to the connection id) and never
 * returned: the API shows which fields are set.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { AppError } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import type { Db } from '../../../platform/db/client.js';
import type { Clock } from '../../../platform/clock.js';
import type { SecretBox } from '../../../platform/crypto/secret-box.js';
import type { FetchLike } from '../../../platform/providers/http.js';
import type { TBot, TConnection, TConnectionInput, TCreateBotBody, TPatchBotBody, TPatchConnectionBody } from '../../../../contracts/commerce.js';
import { ChannelError, newSimulatorSecret, placeholderCount, type ChannelProvider, type ChannelRegistry, type ConnectionContext } from '../channels/index.js';
import type { BotRow, BotTemplate, BusinessHours, ConnectionRow } from '../tables.js';
import * as repo from './repository.js';

/** The credential that names our number at the provider (inbound routing by number). */
const ACCOUNT_FIELD: Partial<Record<ChannelProvider, string>> = { meta: 'phone_number_id', twilio: 'from', evolution: 'instance' };
const UNOFFICIAL = new Set<string>(['baileys']);

export type BotsDeps = {
  db: Db;
  clock: Clock;
  box: SecretBox;
  registry: ChannelRegistry;
  fetch: FetchLike;
  linkBase: () => string;
  /** Connections changed (credentials, settings) or were deleted: caches of them (the webhook's) drop them. */
  onConnectionsChanged?: (ids: string[]) => Promise<void>;
  /** A bot changed or was deleted: caches of it (the inbound job's) drop it. */
  onBotChanged?: (tenantId: string, id: string) => Promise<void>;
};

export function createBotsService(d: BotsDeps) {
  const { db, clock, box, registry } = d;
  const now = () => new Date(clock.now());

  function checkPhone(phone: string | null | undefined): string | null {
    if (!phone) return null;
    const p = parsePhoneNumberFromString(phone);
    if (!p?.isValid()) throw new AppError('VALIDATION_FAILED', `phone ${phone} is not a valid phone number`, { extra: { errors: [{ in: 'body', path: '/phone', message: 'not a valid E.164 number' }] } });
    return p.number;
  }

  function checkHours(h: BusinessHours | null | undefined) {
    if (!h) return;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: h.timezone });
    } catch {
      throw new AppError('VALIDATION_FAILED', `business_hours.timezone ${h.timezone} is not an IANA time zone`);
    }
    for (const i of h.intervals) if (i.start >= i.end) throw new AppError('VALIDATION_FAILED', `business_hours: an interval must end after it starts (${i.start}–${i.end})`);
  }

  function checkTemplates(templates: BotTemplate[], windowTemplate: string | null | undefined) {
    const seen = new Set<string>();
    for (const t of templates) {
      const k = `${t.name}/${t.language}`;
      if (seen.has(k)) throw new AppError('VALIDATION_FAILED', `template ${t.name} (${t.language}) is listed twice`);
      seen.add(k);
    }
    if (windowTemplate) {
      const t = templates.find((x) => x.name === windowTemplate);
      if (!t) throw new AppError('VALIDATION_FAILED', `window_template ${windowTemplate} is not one of the bot's templates`);
      if (placeholderCount(t.body) !== 1) throw new AppError('VALIDATION_FAILED', `window_template ${windowTemplate} must have exactly one placeholder ({{1}}) for the text`);
    }
  }

  /** A connection's row values from the API's input (credentials checked by the driver, then sealed). */
  function connectionValues(id: string, input: { provider: ChannelProvider; credentials: Record<string, string>; settings?: Record<string, unknown> | undefined }) {
    const driver = registry.get(input.provider);
    if (!driver) throw new AppError('CHANNEL_PROVIDER_UNAVAILABLE', `The ${input.provider} channel is not available on this server.`);
    const credentials = input.provider === 'simulator' && !input.credentials.secret ? { ...input.credentials, secret: newSimulatorSecret() } : input.credentials;
    try {
      driver.validateCredentials(credentials);
    } catch (e) {
      if (e instanceof ChannelError) throw new AppError('CHANNEL_CREDENTIALS_INVALID', `${input.provider}: ${e.message}`);
      throw e;
    }
    const field = ACCOUNT_FIELD[input.provider];
    const account = field ? credentials[field] : undefined;
    return {
      credentialsSealed: Object.keys(credentials).length > 0 ? box.sealJson(credentials, id) : null,
      credentialFields: Object.keys(credentials).sort(),
      accountRef: account ? account.replace(/^whatsapp:/, '') : null,
    };
  }

  function newConnection(input: TConnectionInput, priority: number): repo.NewConnection {
    const id = newId('channelConnection', clock.now());
    const provider = input.provider as ChannelProvider;
    return {
      id,
      provider,
      ...connectionValues(id, { provider, credentials: input.credentials ?? {}, settings: input.settings }),
      settings: input.settings ?? {},
      enabled: input.enabled ?? true,
      priority,
      createdAt: now(),
      updatedAt: now(),
    };
  }

  function presentConnection(c: ConnectionRow): TConnection {
    return {
      id: c.id,
      object: 'connection',
      provider: c.provider,
      priority: c.priority,
      enabled: c.enabled,
      unofficial: UNOFFICIAL.has(c.provider),
      credentials_set: c.credentialFields,
      settings: c.settings,
      state: c.state,
      webhook_url: `${d.linkBase()}/hooks/whatsapp/${c.id}`,
      last_error: c.lastError,
      last_error_at: c.lastErrorAt?.toISOString() ?? null,
      created_at: c.createdAt.toISOString(),
      updated_at: c.updatedAt.toISOString(),
    };
  }

  function present(b: BotRow, conns: ConnectionRow[]): TBot {
    return {
      id: b.id,
      object: 'bot',
      name: b.name,
      phone: b.phone,
      connections: conns.filter((c) => c.botId === b.id).map(presentConnection),
      business_hours: b.businessHours,
      away_message: b.awayMessage,
      away_every_hours: b.awayEveryHours,
      templates: b.templates,
      window_template: b.windowTemplate,
      metadata: b.metadata,
      created_at: b.createdAt.toISOString(),
      updated_at: b.updatedAt.toISOString(),
    };
  }

  async function getBot(tenantId: string, id: string): Promise<BotRow> {
    const b = await repo.findBot(db, tenantId, id);
    if (!b) throw new AppError('BOT_NOT_FOUND', `Bot ${id} not found.`);
    return b;
  }

  async function getConnection(tenantId: string, botId: string, id: string): Promise<ConnectionRow> {
    await getBot(tenantId, botId);
    const c = await repo.findConnection(db, tenantId, botId, id);
    if (!c) throw new AppError('CONNECTION_NOT_FOUND', `Connection ${id} not found on bot ${botId}.`);
    return c;
  }

  /** What a driver needs to act for a connection (credentials opened here, in memory only). */
  function contextOf(c: ConnectionRow): ConnectionContext {
    return {
      id: c.id,
      tenantId: c.tenantId,
      botId: c.botId,
      credentials: c.credentialsSealed ? box.openJson<Record<string, string>>(c.credentialsSealed, c.id) : {},
      settings: c.settings,
      fetch: d.fetch,
      webhookUrl: `${d.linkBase()}/hooks/whatsapp/${c.id}`,
    };
  }

  return {
    present,
    presentConnection,
    getBot,
    getConnection,
    contextOf,
    isUnofficial: (provider: string) => UNOFFICIAL.has(provider),

    async createBot(tenantId: string, body: TCreateBotBody): Promise<TBot> {
      checkHours(body.business_hours);
      checkTemplates(body.templates ?? [], body.window_template);
      const id = newId('bot', clock.now());
      const inputs = body.connections && body.connections.length > 0 ? body.connections : [{ provider: 'simulator' as const }];
      const conns = inputs.map((c, i) => newConnection(c, c.priority ?? i * 10));
      const t = now();
      await repo.insertBot(
        db,
        tenantId,
        {
          id,
          name: body.name,
          phone: checkPhone(body.phone),
          businessHours: body.business_hours ?? null,
          awayMessage: body.away_message ?? null,
          awayEveryHours: body.away_every_hours ?? 12,
          templates: body.templates ?? [],
          windowTemplate: body.window_template ?? null,
          metadata: body.metadata ?? {},
          createdAt: t,
          updatedAt: t,
        },
        conns,
      );
      return present((await repo.findBot(db, tenantId, id))!, await repo.connectionsOf(db, tenantId, [id]));
    },

    async readBot(tenantId: string, id: string): Promise<TBot> {
      const b = await getBot(tenantId, id);
      return present(b, await repo.connectionsOf(db, tenantId, [id]));
    },

    async listBots(tenantId: string, q: { limit: number; starting_after?: string | undefined }) {
      const page = await repo.listBots(db, tenantId, { limit: q.limit, startingAfter: q.starting_after });
      const conns = await repo.connectionsOf(db, tenantId, page.data.map((b) => b.id));
      return { data: page.data.map((b) => present(b, conns)), hasMore: page.hasMore };
    },

    async patchBot(tenantId: string, id: string, body: TPatchBotBody): Promise<TBot> {
      const b = await getBot(tenantId, id);
      if (body.business_hours !== undefined) checkHours(body.business_hours);
      if (body.templates !== undefined || body.window_template !== undefined) checkTemplates(body.templates ?? b.templates, body.window_template === undefined ? b.windowTemplate : body.window_template);
      const values: Partial<repo.NewBot> = { updatedAt: now() };
      if (body.name !== undefined) values.name = body.name;
      if (body.phone !== undefined) values.phone = checkPhone(body.phone);
      if (body.business_hours !== undefined) values.businessHours = body.business_hours;
      if (body.away_message !== undefined) values.awayMessage = body.away_message;
      if (body.away_every_hours !== undefined) values.awayEveryHours = body.away_every_hours;
      if (body.templates !== undefined) values.templates = body.templates;
      if (body.window_template !== undefined) values.windowTemplate = body.window_template;
      if (body.metadata !== undefined) values.metadata = body.metadata;
      const row = await repo.updateBot(db, tenantId, id, values);
      await d.onBotChanged?.(tenantId, id);
      if (!row) throw new AppError('BOT_NOT_FOUND', `Bot ${id} not found.`);
      return present(row, await repo.connectionsOf(db, tenantId, [id]));
    },

    async deleteBot(tenantId: string, id: string): Promise<void> {
      const gone = (await repo.connectionsOf(db, tenantId, [id])).map((c) => c.id);
      if (!(await repo.deleteBot(db, tenantId, id))) throw new AppError('BOT_NOT_FOUND', `Bot ${id} not found.`);
      await d.onBotChanged?.(tenantId, id);
      await d.onConnectionsChanged?.(gone);
    },

    async addConnection(tenantId: string, botId: string, input: TConnectionInput): Promise<TConnection> {
      await getBot(tenantId, botId);
      const c = newConnection(input, input.priority ?? (await repo.nextPriority(db, tenantId, botId)));
      return presentConnection(await repo.insertConnection(db, tenantId, botId, c));
    },

    async patchConnection(tenantId: string, botId: string, id: string, body: TPatchConnectionBody): Promise<TConnection> {
      const c = await getConnection(tenantId, botId, id);
      const values: Partial<repo.NewConnection> = { updatedAt: now() };
      if (body.credentials !== undefined) {
        const merged: Record<string, string> = { ...contextOf(c).credentials };
        for (const [k, v] of Object.entries(body.credentials)) {
          if (v === null) delete merged[k];
          else merged[k] = v;
        }
        Object.assign(values, connectionValues(c.id, { provider: c.provider, credentials: merged }));
      }
      if (body.settings !== undefined) values.settings = body.settings;
      if (body.enabled !== undefined) values.enabled = body.enabled;
      if (body.priority !== undefined) values.priority = body.priority;
      const row = await repo.updateConnection(db, tenantId, id, values);
      await d.onConnectionsChanged?.([id]);
      return presentConnection(row!);
    },

    async deleteConnection(tenantId: string, botId: string, id: string): Promise<ConnectionRow> {
      const c = await getConnection(tenantId, botId, id);
      await repo.deleteConnection(db, tenantId, botId, id);
      await d.onConnectionsChanged?.([id]);
      return c;
    },

    async reorderConnections(tenantId: string, botId: string, order: string[]): Promise<TConnection[]> {
      await getBot(tenantId, botId);
      const conns = await repo.connectionsOf(db, tenantId, [botId]);
      const ids = new Set(conns.map((c) => c.id));
      const unknown = order.filter((o) => !ids.has(o));
      if (unknown.length > 0) throw new AppError('CONNECTION_NOT_FOUND', `Connection ${unknown[0]} not found on bot ${botId}.`);
      // The ones not named keep their relative order, after the named ones.
      const full = [...order, ...conns.map((c) => c.id).filter((id) => !order.includes(id))];
      await repo.reorderConnections(db, tenantId, botId, full, now());
      return (await repo.connectionsOf(db, tenantId, [botId])).map(presentConnection);
    },

    /** The bot's connections in priority order (rows, for the sender and status). */
    connectionsOf: (tenantId: string, botId: string) => repo.connectionsOf(db, tenantId, [botId]),
  };
}

export type BotsService = ReturnType<typeof createBotsService>;
