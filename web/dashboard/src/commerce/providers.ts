/**
 * What each WhatsApp provider's connection asks for: the credential fields the drivers read
 * (src/modules/commerce/channels/*), which of them are secrets, and a line on what it is. The API
 * never returns a credential; the dashboard shows which are set.
 */
import type { Provider } from './types';

export type Field = { key: string; label: string; required?: boolean; secret?: boolean; placeholder?: string; options?: string[] };
export type ProviderInfo = { label: string; note: string; fields: Field[]; qr?: boolean };

export const PROVIDER_INFO: Record<Provider, ProviderInfo> = {
  simulator: {
    label: 'Simulator',
    note: 'The built-in WhatsApp web chat: works offline, for trying the bot and the inbox.',
    fields: [{ key: 'secret', label: 'Signing secret (generated when empty)', secret: true, placeholder: 'at least 16 characters' }],
  },
  meta: {
    label: 'Meta Cloud API',
    note: 'WhatsApp Business Platform. Set the webhook URL and verify token in the Meta app, subscribe to messages.',
    fields: [
      { key: 'access_token', label: 'Access token', required: true, secret: true, placeholder: 'EAAG…' },
      { key: 'phone_number_id', label: 'Phone number ID', required: true, placeholder: '1234567890' },
      { key: 'app_secret', label: 'App secret', required: true, secret: true },
      { key: 'verify_token', label: 'Verify token', required: true, secret: true },
      { key: 'base_url', label: 'Graph base URL (optional)', placeholder: 'https://graph.facebook.com' },
    ],
  },
  twilio: {
    label: 'Twilio',
    note: 'Twilio’s WhatsApp sender. Point the sender’s webhook and status callback at the webhook URL.',
    fields: [
      { key: 'account_sid', label: 'Account SID', required: true, placeholder: 'AC…' },
      { key: 'auth_token', label: 'Auth token', required: true, secret: true },
      { key: 'from', label: 'From (sender)', placeholder: 'whatsapp:+14155238886' },
      { key: 'messaging_service_sid', label: 'Messaging service SID (or From)', placeholder: 'MG…' },
      { key: 'api_key_sid', label: 'API key SID (optional)', placeholder: 'SK…' },
      { key: 'api_key_secret', label: 'API key secret (optional)', secret: true },
      { key: 'base_url', label: 'API base URL (optional)', placeholder: 'https://api.twilio.com' },
    ],
  },
  evolution: {
    label: 'Evolution API',
    note: 'Your Evolution API server and instance. A Baileys-based instance is linked with a QR code.',
    qr: true,
    fields: [
      { key: 'base_url', label: 'Server URL', required: true, placeholder: 'https://evolution.example.com' },
      { key: 'api_key', label: 'API key', required: true, secret: true },
      { key: 'instance', label: 'Instance', required: true },
      { key: 'webhook_secret', label: 'Webhook secret', secret: true },
      { key: 'integration', label: 'Integration', options: ['WHATSAPP-BAILEYS', 'WHATSAPP-BUSINESS'] },
    ],
  },
  baileys: {
    label: 'Baileys (linked device)',
    note: 'Unofficial: links this server as a WhatsApp device by QR code or pairing code. Never used for marketing or business-initiated sends.',
    qr: true,
    fields: [],
  },
};

export const providerInfo = (p: string): ProviderInfo => PROVIDER_INFO[p as Provider] ?? { label: p, note: '', fields: [] };

/** A connection state as a badge tone. */
export function stateTone(state: string): 'ok' | 'bad' | 'warn' | 'muted' {
  if (/^(open|connected|ready|active|ok|healthy)$/.test(state)) return 'ok';
  if (/(error|fail|banned|logged_out|closed|invalid|unauthori)/.test(state)) return 'bad';
  if (/(qr|pair|connecting|pending|starting)/.test(state)) return 'warn';
  return 'muted';
}
