export const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);
export const ms = (v: number | null | undefined) => (v === null || v === undefined ? '—' : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
export const usd = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `$${v.toFixed(v !== 0 && Math.abs(v) < 1 ? 4 : 2)}`);
export const int = (v: number | null | undefined) => (v === null || v === undefined ? '—' : v.toLocaleString('en-US'));
export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString('en-GB', { timeZone: 'UTC', dateStyle: 'medium', timeStyle: 'short' }) + ' UTC' : '—');
