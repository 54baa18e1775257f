import { useState } from 'preact/hooks';
import { call, listAll } from '../api';
import { Badge, Empty, ErrorNote, SecretOnce, Table, useLoad } from '../components';
import { ms, when } from '../format';

type Endpoint = { id: string; url: string; description: string | null; event_types: string[]; enabled: boolean; disabled_reason: string | null; failing_since: string | null; created_at: string };
type Delivery = { id: string; event_id: string; event_type: string; status: string; attempts: number; last_status_code: number | null; last_error: string | null; duration_ms: number | null; last_attempt_at: string | null; next_attempt_at: string | null; created_at: string };

const EVENT_TYPES = ['tryon.succeeded', 'tryon.failed', 'tryon.canceled'];

export function Webhooks(props: { tenant: string; sub?: string | undefined }) {
  const t = props.tenant;
  const endpoints = useLoad(() => listAll<Endpoint>('/v1/webhook-endpoints', { tenant: t }), [t]);
  const [url, setUrl] = useState('');
  const [types, setTypes] = useState<string[]>(['*']);
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const selected = endpoints.data?.data.find((e) => e.id === props.sub);
  return (
    <>
      <h1>Webhooks</h1>
      <p class="muted">Your server hears about every finished try-on. Deliveries are signed (Standard Webhooks) and retried for about a day.</p>
      <form
        class="inline-form"
        aria-label="New webhook endpoint"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(undefined);
          try {
            const created = await call<{ secret: string }>('/v1/webhook-endpoints', { method: 'POST', tenant: t, body: { url, event_types: types } });
            setSecret(created.secret);
            setUrl('');
            endpoints.reload();
          } catch (err) {
            setError(err);
          }
        }}
      >
        <label>
          Endpoint URL <input type="url" required placeholder="https://shop.example/hooks/probador" value={url} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Events{' '}
          <select value={types[0]} onChange={(e) => setTypes([(e.target as HTMLSelectElement).value])}>
            <option value="*">all events</option>
            {EVENT_TYPES.map((x) => (
              <option value={x}>{x}</option>
            ))}
          </select>
        </label>
        <button type="submit" class="primary">
          Add endpoint
        </button>
      </form>
      <ErrorNote error={error ?? endpoints.error} />
      {secret && <SecretOnce label="Signing secret" secret={secret} onClose={() => setSecret(null)} />}
      {endpoints.data && (
        <Table
          label="Webhook endpoints"
          rows={endpoints.data.data}
          rowKey={(r) => r.id}
          empty={<Empty title="No webhook endpoints">Add your server's HTTPS address above to receive <code>tryon.succeeded</code> and <code>tryon.failed</code> events.</Empty>}
          columns={[
            { key: 'url', label: 'URL', render: (r) => <a href={`/dashboard/t/${t}/webhooks/${r.id}`}>{r.url}</a> },
            { key: 'event_types', label: 'Events', sort: false, render: (r) => r.event_types.join(', ') },
            { key: 'enabled', label: 'State', render: (r) => (r.enabled ? r.failing_since ? <Badge tone="warn">failing since {when(r.failing_since)}</Badge> : <Badge tone="ok">enabled</Badge> : <Badge tone="muted">disabled ({r.disabled_reason})</Badge>) },
            { key: 'created_at', label: 'Created', render: (r) => when(r.created_at) },
            {
              key: 'actions',
              label: '',
              sort: false,
              render: (r) => (
                <span class="row-actions">
                  <button type="button" onClick={() => void call(`/v1/webhook-endpoints/${r.id}/test`, { method: 'POST', tenant: t }).then(endpoints.reload, setError)}>
                    Send test
                  </button>
                  <button type="button" onClick={() => void call(`/v1/webhook-endpoints/${r.id}`, { method: 'PATCH', tenant: t, body: { enabled: !r.enabled } }).then(endpoints.reload, setError)}>
                    {r.enabled ? 'Disable' : 'Enable'}
                  </button>
                  <button type="button" class="danger" onClick={() => confirm(`Delete ${r.url}?`) && void call(`/v1/webhook-endpoints/${r.id}`, { method: 'DELETE', tenant: t }).then(endpoints.reload, setError)}>
                    Delete
                  </button>
                </span>
              ),
            },
          ]}
        />
      )}
      {selected && <Deliveries tenant={t} endpoint={selected} />}
    </>
  );
}

function Deliveries(props: { tenant: string; endpoint: Endpoint }) {
  const { tenant: t, endpoint: e } = props;
  const [note, setNote] = useState<string>('');
  const [error, setError] = useState<unknown>();
  const d = useLoad(() => listAll<Delivery>(`/v1/webhook-endpoints/${e.id}/deliveries`, { tenant: t }, 500), [t, e.id]);
  return (
    <section aria-label="Delivery log">
      <h2>
        Delivery log · <code>{e.url}</code>
      </h2>
      <div class="toolbar">
        <button type="button" onClick={d.reload}>
          Refresh
        </button>
        <span role="status">{note}</span>
      </div>
      <ErrorNote error={error ?? d.error} />
      {d.data && (
        <Table
          label="Deliveries"
          rows={d.data.data}
          rowKey={(r) => r.id}
          empty={<Empty title="No deliveries yet">Events are sent here when try-ons finish. Use “Send test” to try the endpoint now.</Empty>}
          columns={[
            { key: 'created_at', label: 'Created', render: (r) => when(r.created_at) },
            { key: 'event_type', label: 'Event' },
            { key: 'status', label: 'Status', render: (r) => <Badge tone={r.status === 'succeeded' ? 'ok' : r.status === 'failed' ? 'bad' : 'warn'}>{r.status}</Badge> },
            { key: 'attempts', label: 'Attempts', numeric: true },
            { key: 'last_status_code', label: 'HTTP', numeric: true, render: (r) => (r.last_status_code === null ? '—' : String(r.last_status_code)) },
            { key: 'duration_ms', label: 'Time', numeric: true, render: (r) => ms(r.duration_ms) },
            { key: 'last_error', label: 'Error', render: (r) => r.last_error ?? '' },
            {
              key: 'redeliver',
              label: '',
              sort: false,
              render: (r) => (
                <button
                  type="button"
                  data-redeliver={r.id}
                  onClick={() =>
                    void call(`/v1/webhook-endpoints/${e.id}/deliveries/${r.id}/redeliver`, { method: 'POST', tenant: t }).then(() => {
                      setNote(`Redelivery of ${r.event_id} queued.`);
                      d.reload();
                    }, setError)
                  }
                >
                  Redeliver
                </button>
              ),
            },
          ]}
        />
      )}
    </section>
  );
}
