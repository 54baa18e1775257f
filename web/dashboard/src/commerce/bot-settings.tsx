/**
 * A bot's own settings: name, number, business hours (a time zone and opening intervals per
 * weekday) and the away message sent outside them (at most once every N hours per shopper).
 * Saved with PATCH /v1/bots/:id.
 */
import { useState } from 'preact/hooks';
import { call } from '../api';
import { ErrorNote } from '../components';
import type { Bot, BusinessHours } from './types';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
type Interval = BusinessHours['intervals'][number];
const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export function BotSettings(props: { tenant: string; bot: Bot; canWrite: boolean; onSaved: () => void }) {
  const b = props.bot;
  const [name, setName] = useState(b.name);
  const [phone, setPhone] = useState(b.phone ?? '');
  const [hoursOn, setHoursOn] = useState(b.business_hours !== null);
  const [zone, setZone] = useState(b.business_hours?.timezone ?? browserZone());
  const [intervals, setIntervals] = useState<Interval[]>(b.business_hours?.intervals ?? [1, 2, 3, 4, 5].map((day) => ({ day, start: '09:00', end: '18:00' })));
  const [away, setAway] = useState(b.away_message ?? '');
  const [every, setEvery] = useState(b.away_every_hours);
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>();
  const put = (i: number, patch: Partial<Interval>) => setIntervals((xs) => xs.map((x, j) => (j === i ? { ...x, ...patch } : x)));
  return (
    <form
      class="grid-form"
      aria-label="Bot settings"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(undefined);
        setNote('');
        try {
          await call(`/v1/bots/${b.id}`, {
            method: 'PATCH',
            tenant: props.tenant,
            body: { name, phone: phone.trim() || null, business_hours: hoursOn ? { timezone: zone, intervals } : null, away_message: away.trim() || null, away_every_hours: every },
          });
          setNote('Saved.');
          props.onSaved();
        } catch (err) {
          setError(err);
        }
      }}
    >
      <fieldset disabled={!props.canWrite} class="wide bot-fields">
        <label>
          Name <input name="bot_name" required maxLength={200} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          WhatsApp number <input name="bot_phone" placeholder="+5491122334455" pattern="\+[1-9][0-9]{6,14}" value={phone} onInput={(e) => setPhone((e.target as HTMLInputElement).value)} />
        </label>
      </fieldset>
      <fieldset disabled={!props.canWrite} class="wide hours" aria-label="Business hours">
        <label class="check">
          <input type="checkbox" checked={hoursOn} onChange={(e) => setHoursOn((e.target as HTMLInputElement).checked)} /> Business hours (outside them the away message answers)
        </label>
        {hoursOn && (
          <>
            <label>
              Time zone <input name="timezone" required value={zone} onInput={(e) => setZone((e.target as HTMLInputElement).value)} placeholder="America/Argentina/Buenos_Aires" />
            </label>
            {intervals.map((x, i) => (
              <div class="hours-row" key={i}>
                <select aria-label="Day" value={String(x.day)} onChange={(e) => put(i, { day: Number((e.target as HTMLSelectElement).value) })}>
                  {DAYS.map((d, n) => (
                    <option value={String(n)}>{d}</option>
                  ))}
                </select>
                <input type="time" aria-label="Opens" required value={x.start} onInput={(e) => put(i, { start: (e.target as HTMLInputElement).value })} />
                <span>to</span>
                <input type="time" aria-label="Closes" required value={x.end === '24:00' ? '23:59' : x.end} onInput={(e) => put(i, { end: (e.target as HTMLInputElement).value })} />
                <button type="button" class="link" onClick={() => setIntervals((xs) => xs.filter((_, j) => j !== i))}>
                  remove
                </button>
              </div>
            ))}
            <div>
              <button type="button" onClick={() => setIntervals((xs) => [...xs, { day: 6, start: '10:00', end: '14:00' }])}>
                Add opening hours
              </button>
            </div>
          </>
        )}
      </fieldset>
      <fieldset disabled={!props.canWrite} class="wide bot-fields">
        <label class="wide">
          Away message
          <textarea name="away_message" rows={2} maxLength={1024} value={away} placeholder="We are closed now; we answer from 9:00." onInput={(e) => setAway((e.target as HTMLTextAreaElement).value)} />
        </label>
        <label>
          Send it at most every (hours) <input type="number" name="away_every_hours" min={1} max={720} value={every} onInput={(e) => setEvery(Number((e.target as HTMLInputElement).value) || 1)} />
        </label>
      </fieldset>
      {props.canWrite && (
        <div class="actions wide">
          <button type="submit" class="primary">
            Save bot
          </button>
          <span role="status">{note}</span>
        </div>
      )}
      <div class="wide">
        <ErrorNote error={error} />
      </div>
    </form>
  );
}
