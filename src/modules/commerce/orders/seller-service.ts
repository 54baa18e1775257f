/**
 * Sellers (`sel_`): the store's people who take over conversations and orders. Create, read (with
 * their open orders and, through a port, open conversations), list, change, delete; and the checks
 * the rest of commerce makes before assigning one.
 */
import { AppError } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import type { Deps } from '../../../deps.js';
import type { TCreateSellerBody, TListSellersQuery, TSeller, TUpdateSellerBody } from '../../../../contracts/orders.js';
import * as repo from './repository.js';
import type { SellerRow } from './tables.js';
import { presentSeller } from './present.js';
import { checkMetadata, e164 } from './checks.js';

/** Open conversations assigned to each seller (the commerce core's; missing ids count zero). */
export type ConversationCounts = (tenantId: string, sellerIds: string[]) => Promise<Record<string, number>>;

/** What the core needs of a seller to assign a conversation. */
export type SellerSummary = { id: string; name: string; phone: string; active: boolean; maxOpenConversations: number | null };

export function createSellerService(deps: Pick<Deps, 'db' | 'clock'>, conversationCounts: ConversationCounts) {
  const { db, clock } = deps;
  const now = () => new Date(clock.now());

  async function present(tenantId: string, rows: SellerRow[]): Promise<TSeller[]> {
    const ids = rows.map((r) => r.id);
    const [openOrders, openConversations] = await Promise.all([repo.openOrderCounts(db, tenantId, ids), ids.length ? conversationCounts(tenantId, ids) : ({} as Record<string, number>)]);
    return rows.map((r) => presentSeller(r, { openOrders: openOrders.get(r.id) ?? 0, openConversations: openConversations[r.id] ?? 0 }));
  }

  async function getRow(tenantId: string, id: string): Promise<SellerRow> {
    const row = await repo.findSeller(db, tenantId, id);
    if (!row) throw new AppError('SELLER_NOT_FOUND', `Seller ${id} not found.`);
    return row;
  }

  /** Another seller of the store has this phone: 409. */
  async function uniquePhone<T>(phone: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (e) {
      if (repo.isUniqueViolation(e)) throw new AppError('SELLER_PHONE_TAKEN', `Another seller of this store has the phone number ${phone}.`);
      throw e;
    }
  }

  return {
    async create(tenantId: string, body: TCreateSellerBody): Promise<TSeller> {
      const phone = e164(body.phone, 'phone');
      checkMetadata(body.metadata);
      const at = now();
      const row = await uniquePhone(phone, () =>
        repo.insertSeller(db, tenantId, newId('seller', clock.now()), {
          name: body.name,
          phone,
          email: body.email ?? null,
          active: body.active ?? true,
          maxOpenConversations: body.max_open_conversations ?? null,
          metadata: body.metadata ?? {},
          createdAt: at,
          updatedAt: at,
        }),
      );
      return (await present(tenantId, [row]))[0]!;
    },

    async get(tenantId: string, id: string): Promise<TSeller> {
      return (await present(tenantId, [await getRow(tenantId, id)]))[0]!;
    },

    async list(tenantId: string, q: TListSellersQuery): Promise<{ data: TSeller[]; hasMore: boolean }> {
      const page = await repo.listSellers(db, tenantId, { limit: q.limit, startingAfter: q.starting_after, active: q.active });
      return { data: await present(tenantId, page.data), hasMore: page.hasMore };
    },

    async update(tenantId: string, id: string, body: TUpdateSellerBody): Promise<TSeller> {
      const phone = body.phone === undefined ? undefined : e164(body.phone, 'phone');
      checkMetadata(body.metadata);
      const row = await uniquePhone(phone ?? '', () =>
        repo.updateSeller(db, tenantId, id, {
          ...(body.name !== undefined && { name: body.name }),
          ...(phone !== undefined && { phone }),
          ...(body.email !== undefined && { email: body.email }),
          ...(body.active !== undefined && { active: body.active }),
          ...(body.max_open_conversations !== undefined && { maxOpenConversations: body.max_open_conversations }),
          ...(body.metadata !== undefined && { metadata: body.metadata }),
          updatedAt: now(),
        }),
      );
      if (!row) throw new AppError('SELLER_NOT_FOUND', `Seller ${id} not found.`);
      return (await present(tenantId, [row]))[0]!;
    },

    /** Deletes the seller; its open orders become unassigned (finished ones keep its id as history). */
    async remove(tenantId: string, id: string): Promise<void> {
      const gone = await db.transaction(async (tx) => {
        const deleted = await repo.deleteSeller(tx, tenantId, id);
        if (deleted) await repo.unassignOpenOrders(tx, tenantId, id, now());
        return deleted;
      });
      if (!gone) throw new AppError('SELLER_NOT_FOUND', `Seller ${id} not found.`);
    },

    /** True when the store has this seller (active or not). */
    async exists(tenantId: string, id: string): Promise<boolean> {
      return (await repo.findSeller(db, tenantId, id)) !== undefined;
    },

    async summary(tenantId: string, id: string): Promise<SellerSummary | undefined> {
      const r = await repo.findSeller(db, tenantId, id);
      return r && { id: r.id, name: r.name, phone: r.phone, active: r.active, maxOpenConversations: r.maxOpenConversations };
    },

    /** An order may be given only to an existing, active seller of the store: 422 otherwise. */
    async assertAssignable(tenantId: string, id: string): Promise<void> {
      const r = await repo.findSeller(db, tenantId, id);
      if (!r) throw new AppError('SELLER_NOT_ASSIGNABLE', `Seller ${id} does not exist in this store.`, { extra: { seller_id: id, reason: 'not_found' } });
      if (!r.active) throw new AppError('SELLER_NOT_ASSIGNABLE', `Seller ${id} is inactive.`, { extra: { seller_id: id, reason: 'inactive' } });
    },
  };
}

export type SellerService = ReturnType<typeof createSellerService>;
