/**
 * The automatic rules of an inbound message: opt-out and opt-in keywords (in English, Spanish
 * and Portuguese, as shoppers write them), and whether a bot is within its business hours.
 */
import type { BusinessHours, OptOutCategory } from '../tables.js';

const norm = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .trim()
    .toUpperCase()
    .replace(/[.!¡¿?\s]+/g, ' ')
    .trim();

const OPT_OUT: Record<string, OptOutCategory> = {
  STOP: 'all',
  UNSUBSCRIBE: 'all',
  BAJA: 'all',
  'DAR DE BAJA': 'all',
  CANCELAR: 'all',
  PARAR: 'all',
  SAIR: 'all',
  STOPALL: 'all',
  QUIT: 'all',
  END: 'all',
  'STOP PROMOS': 'marketing',
  'NO PROMOS': 'marketing',
  'BAJA PROMOS': 'marketing',
};
const OPT_IN = new Set(['START', 'ALTA', 'UNSTOP', 'SUBSCRIBE', 'VOLVER']);

/** The opt-out a text asks for (the whole message is the keyword), or undefined. */
export const optOutOf = (text: string): OptOutCategory | undefined => OPT_OUT[norm(text)];
export const isOptIn = (text: string): boolean => OPT_IN.has(norm(text));

export const OPT_OUT_ACK = 'You will no longer receive these messages from us. Reply START to opt back in. / No recibirás más estos mensajes. Respondé ALTA para volver a recibirlos.';
export const OPT_IN_ACK = 'You will receive our messages again. Reply STOP to opt out. / Volverás a recibir nuestros mensajes. Respondé BAJA para dejar de recibirlos.';

/** Whether `at` falls within the bot's hours (no hours configured: always open). */
export function withinBusinessHours(hours: BusinessHours | null, at: Date): boolean {
  if (!hours || hours.intervals.length === 0) return true;
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: hours.timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'));
  const hhmm = `${get('hour')}:${get('minute')}`;
  return hours.intervals.some((i) => i.day === day && i.start <= hhmm && hhmm < i.end);
}
