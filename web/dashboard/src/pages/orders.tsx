/**
 * Orders: the list with a status filter, and one order — items at their price when ordered,
 * totals, the status history, buttons for the statuses it may move to now (the API's
 * `allowed_next`: pending → confirmed → paid → shipped → delivered, canceled before shipping), the
 * payment link, notes and the seller. Order events on the realtime socket refresh the page.
 */
import { useState } from 'preact/hooks';
import { call, listAll } from '../api';
import { Badge, Empty, ErrorNote, Table, useLoad } from '../components';
import { when } from '../format';
import { money } from '../commerce/money';
import { useLive } from '../commerce/live';
import { ORDER_STATUSES, type Order, type OrderStatus, type Seller } from '../commerce/types';

export const orderTone = (s: OrderStatus) => (s === 'canceled' ? 'bad' : s === 'delivered' || s === 'paid' ? 'ok' : s === 'pending' ? 'warn' : 'muted');
const ACTION: Record<OrderStatus, string> = { pending: 'Back to pending', confirmed: 'Confirm', paid: 'Mark paid', shipped: 'Mark shipped', delivered: 'Mark delivered', canceled: 'Cancel order' };

export function Orders(props: { tenant: string; sub?: string | undefined; canWrite: boolean }) {
  const t = props.tenant;
  const [status, setStatus] = useState<'' | OrderStatus>('');
  const list = useLoad(() => listAll<Order>(`/v1/orders${status ? `?status=${status}` : ''}`, { tenant: t }, 500), [t, status]);
  const [n, setN] = useState(0);
  useLive(t, (e) => {
    if (!/^order\./.test(e.type) && e.type !== 'realtime.resumed') return;
    list.reload();
    setN((x) => x + 1);
  });
  if (props.sub) return <OrderDetail tenant={t} id={props.sub} version={n} canWrite={props.canWrite} onChanged={list.reload} />;
  return (
    <>
      <h1>Orders</h1>
      <div class="period status-filter" role="group" aria-label="Order status">
        {(['', ...ORDER_STATUSES] as const).map((s) => (
          <button type="button" class={status === s ? 'on' : ''} aria-pressed={status === s} onClick={() => setStatus(s)}>
            {s || 'All'}
          </button>
        ))}
      </div>
      <ErrorNote error={list.error} />
      {list.data && (
        <Table
          label="Orders"
          rows={list.data.data}
          rowKey={(r) => r.id}
          pageSize={20}
          initialSort={{ key: 'created_at', dir: 'desc' }}
          empty={<Empty title={status ? `No ${status} orders` : 'No orders yet'}>Orders come from WhatsApp carts, the bot’s flows or POST /v1/orders.</Empty>}
          columns={[
            { key: 'id', label: 'Order', render: (r) => <a href={`/dashboard/t/${t}/orders/${r.id}`}><code>{r.id}</code></a> },
            { key: 'created_at', label: 'Created', render: (r) => when(r.created_at) },
            { key: 'customer', label: 'Customer', sort: (r) => r.customer.name ?? r.customer.phone, render: (r) => r.customer.name ?? r.customer.phone ?? '—' },
            { key: 'items', label: 'Items', numeric: true, sort: (r) => r.items.length, render: (r) => String(r.items.reduce((n, i) => n + i.quantity, 0)) },
            { key: 'total_amount', label: 'Total', numeric: true, render: (r) => money(r.total_amount, r.currency) },
            { key: 'status', label: 'Status', render: (r) => <Badge tone={orderTone(r.status)}>{r.status}</Badge> },
            { key: 'source', label: 'Source' },
          ]}
        />
      )}
    </>
  );
}

function OrderDetail(props: { tenant: string; id: string; version: number; canWrite: boolean; onChanged: () => void }) {
  const t = props.tenant;
  const order = useLoad(() => call<Order>(`/v1/orders/${props.id}`, { tenant: t }), [t, props.id, props.version]);
  const sellers = useLoad(() => listAll<Seller>('/v1/sellers', { tenant: t }), [t]);
  const [note, setNote] = useState('');
  const [link, setLink] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const o = order.data;
  if (!o) return <ErrorNote error={order.error} />;
  const done = () => {
    order.reload();
    props.onChanged();
  };
  const patch = (body: Record<string, unknown>) => {
    setError(undefined);
    void call(`/v1/orders/${o.id}`, { method: 'PATCH', tenant: t, body }).then(done, setError);
  };
  const move = (status: OrderStatus) => {
    setError(undefined);
    void call(`/v1/orders/${o.id}/status`, { method: 'POST', tenant: t, body: { status, ...(note.trim() ? { note: note.trim() } : {}) } }).then(() => {
      setNote('');
      done();
    }, setError);
  };
  return (
    <>
      <p>
        <a href={`/dashboard/t/${t}/orders`}>← Orders</a>
      </p>
      <h1>
        Order <code>{o.id}</code>{' '}
        <Badge tone={orderTone(o.status)}>
          <span data-order-status={o.status}>{o.status}</span>
        </Badge>
      </h1>
      <p class="muted">
        {when(o.created_at)} · {o.source}
        {o.customer.name || o.customer.phone ? ` · ${[o.customer.name, o.customer.phone].filter(Boolean).join(' ')}` : ''}
        {o.conversation_id && (
          <>
            {' '}
            · <a href={`/dashboard/t/${t}/inbox/${o.conversation_id}`}>conversation</a>
          </>
        )}
      </p>
      {props.canWrite && o.allowed_next.length > 0 && (
        <div class="inline-form" role="group" aria-label="Change status">
          <label>
            Note (optional) <input name="status_note" maxLength={500} value={note} onInput={(e) => setNote((e.target as HTMLInputElement).value)} />
          </label>
          {o.allowed_next.map((s) => (
            <button type="button" class={s === 'canceled' ? 'danger' : 'primary'} data-next={s} onClick={() => (s !== 'canceled' || confirm('Cancel this order?')) && move(s)}>
              {ACTION[s]}
            </button>
          ))}
        </div>
      )}
      <ErrorNote error={error} />
      <div class="table-wrap">
        <table aria-label="Items">
          <thead>
            <tr>
              <th>Product</th>
              <th class="num">Qty</th>
              <th class="num">Unit price</th>
              <th class="num">Total</th>
            </tr>
          </thead>
          <tbody>
            {o.items.map((i) => (
              <tr>
                <td>
                  {i.name}
                  {i.variant_name ? <span class="muted"> · {i.variant_name}</span> : null}
                </td>
                <td class="num">{i.quantity}</td>
                <td class="num">{money(i.unit_amount, i.currency)}</td>
                <td class="num">{money(i.total_amount, i.currency)}</td>
              </tr>
            ))}
            <tr class="sum">
              <td colSpan={3}>Subtotal</td>
              <td class="num">{money(o.subtotal_amount, o.currency)}</td>
            </tr>
            <tr class="sum">
              <td colSpan={3}>Shipping</td>
              <td class="num">{money(o.shipping_amount, o.currency)}</td>
            </tr>
            <tr class="sum total">
              <td colSpan={3}>Total</td>
              <td class="num" data-total>
                {money(o.total_amount, o.currency)}
              </td>
            </tr>
          </tbody>
        </table>
      </div>
      <div class="split">
        <section aria-label="Payment and seller">
          <h2>Payment link</h2>
          {o.payment_link ? (
            <p>
              <a href={o.payment_link} target="_blank" rel="noopener" data-payment-link>
                {o.payment_link}
              </a>
            </p>
          ) : (
            <p class="muted">None yet.</p>
          )}
          {props.canWrite && (
            <form
              class="inline-form"
              aria-label="Payment link"
              onSubmit={(e) => {
                e.preventDefault();
                patch({ payment_link: (link ?? '').trim() || null });
                setLink(null);
              }}
            >
              <input type="url" name="payment_link" pattern="https://.+" placeholder="https://pay.example/…" value={link ?? o.payment_link ?? ''} onInput={(e) => setLink((e.target as HTMLInputElement).value)} />
              <button type="submit">Save link</button>
            </form>
          )}
          <h2>Seller</h2>
          <select aria-label="Seller" disabled={!props.canWrite} value={o.seller_id ?? ''} onChange={(e) => patch({ seller_id: (e.target as HTMLSelectElement).value || null })}>
            <option value="">(unassigned)</option>
            {sellers.data?.data
              .filter((s) => s.active || s.id === o.seller_id)
              .map((s) => (
                <option value={s.id}>{s.name}</option>
              ))}
          </select>
          {o.notes && (
            <>
              <h2>Notes</h2>
              <p>{o.notes}</p>
            </>
          )}
        </section>
        <section aria-label="Status history">
          <h2>History</h2>
          <ol class="history">
            {o.status_history.map((h) => (
              <li>
                <Badge tone={orderTone(h.status)}>{h.status}</Badge> <span class="muted">{when(h.at)}</span> {h.note ?? ''}
              </li>
            ))}
          </ol>
        </section>
      </div>
    </>
  );
}
