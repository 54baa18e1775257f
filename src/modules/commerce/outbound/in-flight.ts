/**
 * Sends whose answer was lost: the at-least-once window of the `commerce.send` job. A worker
 * killed (or a request timed out) after the provider took a message but before the job wrote
 * `sent` leaves the message `queued`, and a plain re-run would send it twice. So:
 * - before each provider call the message records the connection it goes out through (still
 *   `queued`: an attempt in flight); a failed call clears it again, except a timeout (the provider
 *   may have taken the message), so only a timeout or a dead worker leave it;
 * - a re-run that finds such a mark on a provider that echoes our id in its status webhooks
 *   (Meta's `biz_opaque_callback_data`, Twilio's StatusCallback `?msg=`) does not send: it waits
 *   `PROBADOR_WA_SEND_RECONCILE_MS` for that status (one delayed job), and sends only if the
 *   message is still queued then;
 * - a status naming our id that matches no provider id adopts the lost send (`adoptLostSend`):
 *   the message becomes `sent` under the provider's id, and the waiting re-run finds nothing to do.
 * What remains at-least-once: a provider that took the message but whose status does not arrive
 * within the wait (or at all); providers that echo nothing (Evolution, Baileys, the simulator),
 * whose re-run sends at once; a connection dropped after the request went out, or a 5xx, counted
 * as not taken; and, within one run, the fallback to the next connection after a timeout.
 */
import type { CommerceCore } from '../core.js';
import type { InboundEvent } from '../channels/index.js';
import { ProviderError } from '../../../platform/providers/types.js';
import { convRepo, presentMessage } from '../conversations/index.js';
import type { ConnectionRow, InboundEventRow, MessageRow } from '../tables.js';

/** Providers whose status webhooks carry our message id back. */
const ECHOES_OUR_ID = new Set<string | null>(['meta', 'twilio']);

/** The message goes out through `conn` now (false when it is no longer queued: sent meanwhile). */
export async function markInFlight(core: CommerceCore, msg: MessageRow, conn: ConnectionRow): Promise<boolean> {
  const r = await convRepo.updateMessage(core.db, msg.tenantId, msg.id, { provider: conn.provider, connectionId: conn.id }, ['queued']);
  return r !== undefined;
}

/** The call failed: no attempt of ours is in flight any more, unless it timed out (the provider may have taken it). */
export async function settleInFlight(core: CommerceCore, msg: MessageRow, e: unknown): Promise<void> {
  if (e instanceof ProviderError && e.errorClass === 'timeout') return;
  await convRepo.updateMessage(core.db, msg.tenantId, msg.id, { provider: null, connectionId: null }, ['queued']);
}

/** An earlier attempt of this queued message may have been taken by a provider that will say so by webhook. */
export function mayHaveBeenTaken(msg: MessageRow): boolean {
  return msg.status === 'queued' && msg.connectionId !== null && ECHOES_OUR_ID.has(msg.provider);
}

/**
 * A status for a provider id we never recorded, naming one of our queued messages sent through
 * this connection: the provider took a send whose answer was lost. The message becomes `sent`
 * under the provider's id; undefined when the status names nothing of ours.
 */
export async function adoptLostSend(core: CommerceCore, row: InboundEventRow, e: Extract<InboundEvent, { kind: 'status' }>, at: Date): Promise<MessageRow | undefined> {
  if (!e.messageId?.startsWith('msg_')) return undefined;
  const msg = await convRepo.findMessage(core.db, row.tenantId, e.messageId);
  if (!msg || msg.direction !== 'out' || msg.connectionId !== row.connectionId || msg.providerMessageId) return undefined;
  const updated = await convRepo.updateMessage(core.db, row.tenantId, msg.id, { status: 'sent', providerMessageId: e.providerMessageId, sentAt: at }, ['queued']);
  if (!updated) return convRepo.findMessageByProviderId(core.db, row.tenantId, row.connectionId, e.providerMessageId);
  const data = presentMessage(updated) as unknown as Record<string, unknown>;
  await core.publish(row.tenantId, 'message.status', data);
  await core.emit(row.tenantId, 'message.status', data);
  return updated;
}
