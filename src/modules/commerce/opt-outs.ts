/**
 * The opt-out ledger: per contact and category (marketing, utility, all), from keywords the
 * shopper wrote, the provider's opted-out errors, or the API. Checked before every
 * business-initiated send.
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../platform/db/client.js';
import { optOuts, type OptOutCategory } from './tables.js';

export async function addOptOut(db: Db, tenantId: string, contactId: string, category: OptOutCategory, source: string, now: Date): Promise<void> {
  await db.insert(optOuts).values({ tenantId, contactId, category, source, createdAt: now }).onConflictDoNothing();
}

export async function removeOptOuts(db: Db, tenantId: string, contactId: string): Promise<void> {
  await db.delete(optOuts).where(and(eq(optOuts.tenantId, tenantId), eq(optOuts.contactId, contactId)));
}

export async function optOutsOf(db: Db, tenantId: string, contactId: string): Promise<OptOutCategory[]> {
  const rows = await db.select({ category: optOuts.category }).from(optOuts).where(and(eq(optOuts.tenantId, tenantId), eq(optOuts.contactId, contactId)));
  return rows.map((r) => r.category);
}

/** Whether a message of this category is refused by the contact's opt-outs. */
export function blockedBy(categories: OptOutCategory[], category: 'service' | 'utility' | 'marketing' | 'authentication'): boolean {
  if (categories.includes('all')) return true;
  if (category === 'marketing') return categories.includes('marketing');
  if (category === 'utility') return categories.includes('utility');
  return false;
}
