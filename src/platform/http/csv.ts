/** CSV export (RFC 4180): `Accept: text/csv` or `?format=csv` on the analytics endpoints and the audit trail. */
import type { FastifyReply, FastifyRequest } from 'fastify';

export function wantsCsv(req: FastifyRequest): boolean {
  const q = req.query as { format?: string } | undefined;
  if (q?.format === 'csv') return true;
  if (q?.format === 'json') return false;
  const accept = req.headers.accept ?? '';
  return /\btext\/csv\b/i.test(accept) && !/\bapplication\/json\b/i.test(accept.split('text/csv')[0] ?? '');
}

const cell = (v: unknown) => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  // Quote when needed; neutralise spreadsheet formulas (CSV injection): a cell starting with = + - @,
  // a tab or a carriage return gets a leading ', unless it is a plain number (`-1.5`; `-1+cmd|…` is not).
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

export function sendCsv(reply: FastifyReply, name: string, header: string[], rows: unknown[][]) {
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`).send(toCsv(header, rows));
}
