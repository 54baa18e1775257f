/**
 * Bots: the store's WhatsApp bots (list, create with a name and a number) and one bot's page —
 * its settings (business hours, away message), its connections in priority order with their
 * health, a QR panel for linked-device providers, and a link to its simulator chat.
 */
import { useState } from 'preact/hooks';
import { call, listAll } from '../api';
import { Badge, Empty, ErrorNote, Table, useLoad } from '../components';
import { when } from '../format';
import { navigate } from '../router';
import { BotSettings } from '../commerce/bot-settings';
import { Connections } from '../commerce/connections';
import { QrPanel } from '../commerce/qr-panel';
import { useLive } from '../commerce/live';
import { providerInfo, stateTone } from '../commerce/providers';
import type { Bot, BotStatus } from '../commerce/types';

/** A signed link (1 hour) to the bot's simulator web chat, asked for when the bot's page opens. */
function SimulatorLink(props: { tenant: string; botId: string }) {
  const link = useLoad(() => call<{ url: string }>(`/v1/bots/${props.botId}/simulator/link`, { method: 'POST', tenant: props.tenant, body: {} }), [props.tenant, props.botId]);
  if (!link.data) return null;
  return (
    <a class="button" href={link.data.url} target="_blank" rel="noopener" data-simulator-link>
      Open simulator chat ↗
    </a>
  );
}

export function Bots(props: { tenant: string; sub?: string | undefined; canWrite: boolean }) {
  if (props.sub) return <BotDetail tenant={props.tenant} id={props.sub} canWrite={props.canWrite} />;
  return <BotList tenant={props.tenant} canWrite={props.canWrite} />;
}

function BotList(props: { tenant: string; canWrite: boolean }) {
  const t = props.tenant;
  const bots = useLoad(() => listAll<Bot>('/v1/bots', { tenant: t }), [t]);
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const [error, setError] = useState<unknown>();
  return (
    <>
      <h1>Bots</h1>
      <p class="muted">Each bot is a WhatsApp number with one or more provider connections, tried in order. A new bot starts with the built-in simulator, so you can try it at once.</p>
      {props.canWrite && (
        <form
          class="inline-form"
          aria-label="New bot"
          onSubmit={async (e) => {
            e.preventDefault();
            setError(undefined);
            try {
              const bot = await call<Bot>('/v1/bots', { method: 'POST', tenant: t, body: { name, ...(phone.trim() ? { phone: phone.trim() } : {}) } });
              navigate(`/t/${t}/bots/${bot.id}`);
            } catch (err) {
              setError(err);
            }
          }}
        >
          <label>
            Bot name <input name="new_bot_name" required maxLength={200} placeholder="Ventas" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            WhatsApp number <input name="new_bot_phone" placeholder="+5491122334455" pattern="\+[1-9][0-9]{6,14}" value={phone} onInput={(e) => setPhone((e.target as HTMLInputElement).value)} />
          </label>
          <button type="submit" class="primary">
            Create bot
          </button>
        </form>
      )}
      <ErrorNote error={error ?? bots.error} />
      {bots.data && (
        <Table
          label="Bots"
          rows={bots.data.data}
          rowKey={(r) => r.id}
          empty={<Empty title="No bots yet">Create one above: it answers on the simulator right away; add Meta, Twilio, Evolution or a linked device after.</Empty>}
          columns={[
            { key: 'name', label: 'Name', render: (r) => <a href={`/dashboard/t/${t}/bots/${r.id}`}>{r.name}</a> },
            { key: 'phone', label: 'Number', render: (r) => r.phone ?? '—' },
            {
              key: 'connections',
              label: 'Connections (in order)',
              sort: false,
              render: (r) => (
                <span class="chips">
                  {[...r.connections]
                    .sort((a, b) => a.priority - b.priority)
                    .map((c) => (
                      <Badge tone={c.enabled ? stateTone(c.state) : 'muted'}>
                        {providerInfo(c.provider).label} · {c.enabled ? c.state : 'off'}
                      </Badge>
                    ))}
                </span>
              ),
            },
            { key: 'created_at', label: 'Created', render: (r) => when(r.created_at) },
          ]}
        />
      )}
    </>
  );
}

function BotDetail(props: { tenant: string; id: string; canWrite: boolean }) {
  const t = props.tenant;
  const [probe, setProbe] = useState(0);
  const bot = useLoad(() => call<Bot>(`/v1/bots/${props.id}`, { tenant: t }), [t, props.id]);
  const status = useLoad(() => call<BotStatus>(`/v1/bots/${props.id}/status${probe ? '?probe=true' : ''}`, { tenant: t }), [t, props.id, probe, bot.data]);
  const [error, setError] = useState<unknown>();
  // A linked device's state (QR shown, paired, logged out) arrives on the realtime socket.
  useLive(t, (e) => {
    if (e.type === 'connection.state' && e.data.bot_id === props.id) bot.reload();
  });
  const b = bot.data;
  if (!b) return <ErrorNote error={bot.error} />;
  const linkable = b.connections.filter((c) => c.enabled && providerInfo(c.provider).qr && (c.provider === 'baileys' || c.settings.integration !== 'WHATSAPP-BUSINESS'));
  const hasSimulator = b.connections.some((c) => c.provider === 'simulator' && c.enabled);
  return (
    <>
      <p>
        <a href={`/dashboard/t/${t}/bots`}>← Bots</a>
      </p>
      <div class="toolbar">
        <h1>
          {b.name} <span class="muted">{b.phone ?? ''}</span>
        </h1>
        <span class="row-actions">
          {hasSimulator && <SimulatorLink key={b.connections.map((c) => `${c.id}:${c.enabled}`).join()} tenant={t} botId={b.id} />}
          <a class="button" href={`/dashboard/t/${t}/inbox?bot=${b.id}`}>
            Inbox
          </a>
          {props.canWrite && (
            <button type="button" class="danger" onClick={() => confirm(`Delete the bot ${b.name} with its conversations?`) && void call(`/v1/bots/${b.id}`, { method: 'DELETE', tenant: t }).then(() => navigate(`/t/${t}/bots`), setError)}>
              Delete bot
            </button>
          )}
        </span>
      </div>
      <ErrorNote error={error ?? status.error} />
      <Connections tenant={t} bot={b} status={status.data} canWrite={props.canWrite} onChange={bot.reload} onProbe={() => setProbe((x) => x + 1)} />
      {linkable.map((c) => (
        <QrPanel key={c.id} tenant={t} botId={b.id} connection={c} onLinked={() => stateTone(c.state) !== 'ok' && bot.reload()} />
      ))}
      <h2>Settings</h2>
      <BotSettings key={b.updated_at} tenant={t} bot={b} canWrite={props.canWrite} onSaved={bot.reload} />
    </>
  );
}
