/**
 * Linking a device (Baileys, or an Evolution instance on Baileys): the QR code from
 * GET /v1/bots/:id/qr as a PNG, fetched again every 15 s (WhatsApp rotates it) until the
 * connection is open; or a pairing code for a phone number instead of scanning.
 */
import { useEffect, useState } from 'preact/hooks';
import { call } from '../api';
import { Badge, ErrorNote } from '../components';
import type { BotQr, Connection } from './types';
import { stateTone } from './providers';

const REFRESH_MS = 15_000;

export function QrPanel(props: { tenant: string; botId: string; connection: Connection; onLinked: () => void }) {
  const c = props.connection;
  const [qr, setQr] = useState<BotQr | null>(null);
  const [error, setError] = useState<unknown>();
  const [phone, setPhone] = useState('');
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    const load = () =>
      call<BotQr>(`/v1/bots/${props.botId}/qr?connection_id=${c.id}`, { tenant: props.tenant }).then(
        (x) => {
          if (!live) return;
          setQr(x);
          setError(undefined);
          if (stateTone(x.state) === 'ok') props.onLinked();
        },
        (e: unknown) => live && setError(e),
      );
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [props.botId, c.id, n]);
  const linked = qr && stateTone(qr.state) === 'ok';
  return (
    <section class="qr-panel" aria-label={`Link ${c.provider} device`}>
      <h3>
        Link the WhatsApp device <Badge tone={stateTone(qr?.state ?? c.state)}>{qr?.state ?? c.state}</Badge>
      </h3>
      {linked ? (
        <p>Linked. Messages to the number now reach this bot.</p>
      ) : (
        <>
          <p class="muted">On the phone: WhatsApp → Settings → Linked devices → Link a device, then scan. The code is refreshed every 15 seconds.</p>
          {qr?.qr_png ? <img class="qr" src={qr.qr_png} alt="WhatsApp QR code" width={220} height={220} /> : <div class="qr qr-empty">{qr ? 'Waiting for a code…' : 'Loading…'}</div>}
          {qr?.pairing_code && (
            <p>
              Pairing code: <code class="pairing" data-pairing>{qr.pairing_code}</code>
            </p>
          )}
          <form
            class="inline-form"
            aria-label="Pairing code"
            onSubmit={(e) => {
              e.preventDefault();
              void call<BotQr>(`/v1/bots/${props.botId}/qr?connection_id=${c.id}&phone=${encodeURIComponent(phone)}`, { tenant: props.tenant }).then(setQr, setError);
            }}
          >
            <label>
              Or a pairing code for <input name="pair_phone" placeholder="+5491122334455" pattern="\+[1-9][0-9]{6,14}" required value={phone} onInput={(e) => setPhone((e.target as HTMLInputElement).value)} />
            </label>
            <button type="submit">Get code</button>
            <button type="button" onClick={() => setN((x) => x + 1)}>
              Refresh now
            </button>
          </form>
        </>
      )}
      <ErrorNote error={error} />
    </section>
  );
}
