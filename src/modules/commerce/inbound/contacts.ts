/**
 * One contact (`ctc_`) per person, whatever id form a provider uses: Meta's wa_id digits,
 * Twilio's `whatsapp:+E164`, a JID `digits@s.whatsapp.net` (device suffix dropped), Evolution's
 * and Baileys' `…@lid`, an E.164 phone. Each form is normalised to an identity (`phone:+E164` or
 * `lid:…@lid`, else `pid:…`); an event that names two identities known as two contacts (an @lid
 * later linked to a phone) merges them into the older one.
 */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { Db } from '../../../platform/db/client.js';
import { newId } from '../../../platform/ids.js';
import { rawRows, rowFromJson } from '../../../platform/db/raw.js';
import type { ContactAddress } from '../channels/index.js';
import { contactIdentities, contacts, conversations, messages, optOuts, type ContactRow, type ConversationRow } from '../tables.js';

const parseE164 = (digits: string) => {
  const p = parsePhoneNumberFromString(`+${digits.replace(/^\+/, '')}`);
  return p?.number ?? (/^\+?\d{6,15}$/.test(digits) ? `+${digits.replace(/^\+/, '')}` : undefined);
};
// The same few thousand shoppers write again and again: their numbers parsed once (libphonenumber's
// parse was a visible share of an inbound job's CPU), at most E164_KEPT of them kept.
const E164_KEPT = 10_000;
const e164Seen = new Map<string, string | undefined>();
const e164 = (digits: string) => {
  if (e164Seen.has(digits)) return e164Seen.get(digits);
  const v = parseE164(digits);
  if (digits.length > 32) return v; // not a phone number's length: not kept
  if (e164Seen.size >= E164_KEPT) e164Seen.delete(e164Seen.keys().next().value!);
  e164Seen.set(digits, v);
  return v;
};

/** The identities an address names, phone first. */
export function identitiesOf(addr: ContactAddress): string[] {
  const out = new Set<string>();
  const add = (phone: string | undefined) => phone && out.add(`phone:${phone}`);
  if (addr.phone) add(e164(addr.phone));
  const p = addr.providerId?.trim();
  if (p) {
    let m: RegExpMatchArray | null;
    if ((m = /^whatsapp:(\+?\d{6,15})$/.exec(p))) add(e164(m[1]!));
    else if ((m = /^(\d{6,15})(?::\d+)?@(s\.whatsapp\.net|c\.us)$/.exec(p))) add(e164(m[1]!));
    else if (/^[\w.:-]{1,100}@lid$/.test(p)) out.add(`lid:${p}`);
    else if (/^\+?\d{6,15}$/.test(p)) add(e164(p));
    else out.add(`pid:${p.slice(0, 200)}`);
  }
  return [...out];
}

export const phoneOfIdentities = (ids: string[]) => ids.find((i) => i.startsWith('phone:'))?.slice(6) ?? null;

// A constant text (platform/db/raw.ts), prepared once per connection: Drizzle built this join anew
// for every inbound message.
const SEEN = `select row_to_json(c) as contact, row_to_json(v) as conversation
  from commerce_contact_identities i
  join commerce_contacts c on c.tenant_id = i.tenant_id and c.id = i.contact_id
  left join commerce_conversations v on v.tenant_id = c.tenant_id and v.contact_id = c.id and v.bot_id = $3 and v.status <> 'closed'
  where i.tenant_id = $1 and i.identity = any($2::text[])`;

/**
 * The contact for an address, created on first sight; merges two contacts an event shows to be one
 * person. With `botId`, also the contact's open conversation with that bot when the contact was
 * already known under every identity of the address (read in the same statement; else undefined).
 */
export async function resolveContact(db: Db, tenantId: string, addr: ContactAddress, now: Date, botId?: string): Promise<ContactRow>;
export async function resolveContact(db: Db, tenantId: string, addr: ContactAddress, now: Date, botId: string, withConversation: true): Promise<{ contact: ContactRow; conversation: ConversationRow | undefined }>;
export async function resolveContact(db: Db, tenantId: string, addr: ContactAddress, now: Date, botId?: string, withConversation?: true): Promise<ContactRow | { contact: ContactRow; conversation: ConversationRow | undefined }> {
  const ids = identitiesOf(addr);
  if (ids.length === 0) throw new Error('the event names no contact');
  const phone = phoneOfIdentities(ids);
  const name = addr.name?.slice(0, 200) ?? null;
  const known = async () =>
    db
      .select({ contactId: contactIdentities.contactId })
      .from(contactIdentities)
      .where(and(eq(contactIdentities.tenantId, tenantId), inArray(contactIdentities.identity, ids)));
  // The usual case in one statement: a person who wrote before, known under every identity of this
  // address as one live contact that lacks nothing the address brings (phone, name): nothing to
  // write, and their open conversation with the bot comes along.
  const seen = (await rawRows<{ contact: Record<string, unknown>; conversation: Record<string, unknown> | null }>(db, SEEN, [tenantId, ids, botId ?? ''])).map((r) => ({
    contact: rowFromJson(contacts, r.contact),
    conversation: r.conversation ? rowFromJson(conversations, r.conversation) : null,
  }));
  const one = seen[0]?.contact;
  if (one && seen.length === ids.length && seen.every((r) => r.contact.id === one.id) && !one.mergedInto && (phone === null || one.phone !== null) && (name === null || one.name === name)) {
    return withConversation ? { contact: one, conversation: seen[0]!.conversation ?? undefined } : one;
  }
  let found = [...new Set(seen.map((r) => r.contact.id))];
  if (found.length === 0) {
    const id = newId('contact', now.getTime());
    await db.insert(contacts).values({ id, tenantId, phone, name, createdAt: now, updatedAt: now });
    await db
      .insert(contactIdentities)
      .values(ids.map((identity) => ({ tenantId, identity, contactId: id, createdAt: now })))
      .onConflictDoNothing();
    found = [...new Set((await known()).map((r) => r.contactId))];
    // Another job created the same person at the same moment: keep theirs, drop ours if nothing points at it.
    if (!found.includes(id)) await db.delete(contacts).where(and(eq(contacts.tenantId, tenantId), eq(contacts.id, id)));
  }
  found.sort();
  const keep = found[0]!;
  for (const other of found.slice(1)) await mergeContacts(db, tenantId, keep, other, now);
  await db
    .insert(contactIdentities)
    .values(ids.map((identity) => ({ tenantId, identity, contactId: keep, createdAt: now })))
    .onConflictDoNothing();
  const [row] = await db
    .update(contacts)
    .set({ phone: sql`coalesce(${contacts.phone}, ${phone})`, name: name ? sql`${name}` : sql`${contacts.name}`, updatedAt: now })
    .where(and(eq(contacts.tenantId, tenantId), eq(contacts.id, keep)))
    .returning();
  return withConversation ? { contact: row!, conversation: undefined } : row!;
}

/**
 * `other` is `keep`: its identities, opt-outs, conversations and messages move over. Where both
 * have an open conversation with the same bot, the other's messages join keep's and it is closed.
 */
export async function mergeContacts(db: Db, tenantId: string, keep: string, other: string, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    // Both rows locked first, in id order: an inbound job writing a message for either holds a share
    // lock on its contact (inbound/process.ts), so the message lands before the move or after the mark.
    await tx.select({ id: contacts.id }).from(contacts).where(and(eq(contacts.tenantId, tenantId), inArray(contacts.id, [keep, other]))).orderBy(asc(contacts.id)).for('update');
    await tx.update(contactIdentities).set({ contactId: keep }).where(and(eq(contactIdentities.tenantId, tenantId), eq(contactIdentities.contactId, other)));
    await tx.execute(sql`insert into commerce_opt_outs (tenant_id, contact_id, category, source, created_at)
      select tenant_id, ${keep}, category, source, created_at from commerce_opt_outs where tenant_id = ${tenantId} and contact_id = ${other} on conflict do nothing`);
    await tx.delete(optOuts).where(and(eq(optOuts.tenantId, tenantId), eq(optOuts.contactId, other)));
    const theirs = await tx.select().from(conversations).where(and(eq(conversations.tenantId, tenantId), eq(conversations.contactId, other))).orderBy(asc(conversations.id));
    for (const c of theirs) {
      const [mine] = c.status === 'closed' ? [] : await tx.select().from(conversations).where(and(eq(conversations.tenantId, tenantId), eq(conversations.contactId, keep), eq(conversations.botId, c.botId), sql`${conversations.status} <> 'closed'`));
      if (mine) {
        await tx.update(messages).set({ conversationId: mine.id, contactId: keep }).where(and(eq(messages.tenantId, tenantId), eq(messages.conversationId, c.id)));
        const last = [mine.lastInboundAt, c.lastInboundAt].filter((d): d is Date => d !== null).sort((a, b) => b.getTime() - a.getTime())[0] ?? null;
        await tx.update(conversations).set({ lastInboundAt: last, unreadCount: mine.unreadCount + c.unreadCount, updatedAt: now }).where(eq(conversations.id, mine.id));
        await tx.update(conversations).set({ status: 'closed', contactId: keep, unreadCount: 0, updatedAt: now }).where(eq(conversations.id, c.id));
      } else {
        await tx.update(conversations).set({ contactId: keep, updatedAt: now }).where(eq(conversations.id, c.id));
        await tx.update(messages).set({ contactId: keep }).where(and(eq(messages.tenantId, tenantId), eq(messages.conversationId, c.id)));
      }
    }
    const [o] = await tx.select().from(contacts).where(and(eq(contacts.tenantId, tenantId), eq(contacts.id, other)));
    await tx
      .update(contacts)
      .set({ phone: sql`coalesce(${contacts.phone}, ${o?.phone ?? null})`, name: sql`coalesce(${contacts.name}, ${o?.name ?? null})`, updatedAt: now })
      .where(and(eq(contacts.tenantId, tenantId), eq(contacts.id, keep)));
    await tx.update(contacts).set({ mergedInto: keep, updatedAt: now }).where(and(eq(contacts.tenantId, tenantId), eq(contacts.id, other)));
  });
}

/** A contact that was merged answers as the one it became. */
export async function liveContactId(db: Db, tenantId: string, id: string): Promise<string> {
  let cur = id;
  for (let i = 0; i < 5; i++) {
    const [c] = await db.select({ mergedInto: contacts.mergedInto }).from(contacts).where(and(eq(contacts.tenantId, tenantId), eq(contacts.id, cur)));
    if (!c?.mergedInto) return cur;
    cur = c.mergedInto;
  }
  return cur;
}
