/**
 * Inbound media (a shopper's photo, voice note, document): downloaded through the connection's
 * driver (size-capped there) into the blob store under `commerce/<tenant>/<conversation>/<msg>`,
 * with an expiry from the tenant's retention (`ports.retentionMs`, 24 h by default); the
 * maintenance purge deletes it when it expires. A failed download is logged (no bytes, no URL
 * with tokens) and the message stays, without media.
 */
import { and, eq, isNotNull, lt, sql } from 'drizzle-orm';
import type { CommerceCore } from '../core.js';
import type { InboundMedia } from '../channels/index.js';
import { convRepo } from '../conversations/index.js';
import { messages, type ConnectionRow, type MessageRow } from '../tables.js';

const DEFAULT_RETENTION_MS = 24 * 3600 * 1000;

export async function storeInboundMedia(core: CommerceCore, conn: ConnectionRow, msg: MessageRow, media: InboundMedia, signal: AbortSignal): Promise<MessageRow | undefined> {
  const driver = core.registry.get(conn.provider);
  if (!driver?.downloadMedia) return undefined;
  try {
    const got = await driver.downloadMedia(core.bots.contextOf(conn), media, signal);
    if (!got) return undefined;
    const key = `commerce/${msg.tenantId}/${msg.conversationId}/${msg.id}`;
    await core.blobs.put(key, got.bytes, got.contentType);
    const retention = (await core.ports.retentionMs?.(msg.tenantId)) ?? DEFAULT_RETENTION_MS;
    const expires = retention > 0 ? new Date(core.now().getTime() + retention).toISOString() : null;
    return convRepo.updateMessage(core.db, msg.tenantId, msg.id, { media: { key, content_type: got.contentType, bytes: got.bytes.length, expires_at: expires } });
  } catch (err) {
    core.log.warn({ err: { message: (err as Error).message.slice(0, 200) }, message_id: msg.id, provider: conn.provider }, 'inbound media not stored');
    return undefined;
  }
}

/** Delete media past its expiry (blob first, then the reference); for periodic maintenance. Returns how many. */
export async function purgeExpiredMedia(core: Pick<CommerceCore, 'db' | 'blobs' | 'now'>, limit = 500): Promise<number> {
  const rows = await core.db
    .select({ id: messages.id, tenantId: messages.tenantId, media: messages.media })
    .from(messages)
    .where(and(isNotNull(messages.media), lt(sql`(${messages.media}->>'expires_at')::timestamptz`, core.now().toISOString())))
    .limit(limit);
  for (const r of rows) {
    if (r.media) await core.blobs.delete(r.media.key);
    await core.db.update(messages).set({ media: null }).where(and(eq(messages.tenantId, r.tenantId), eq(messages.id, r.id)));
  }
  return rows.length;
}
