/** Pure pieces of the inbound pipeline: id forms → identities, opt-out keywords, business hours, derived ids, WhatsApp's limits. */
import { describe, expect, it } from 'vitest';
import { identitiesOf } from './contacts.js';
import { isOptIn, optOutOf, withinBusinessHours } from './rules.js';
import { derivedId } from '../derived-ids.js';
import { isId } from '../../../platform/ids.js';
import { checkContent, renderTemplate } from '../channels/index.js';

describe('identities', () => {
  it('maps every id form of one number to one phone identity', () => {
    const phone = 'phone:+5491122334455';
    expect(identitiesOf({ providerId: '5491122334455' })).toEqual([phone]);
    expect(identitiesOf({ providerId: 'whatsapp:+5491122334455' })).toEqual([phone]);
    expect(identitiesOf({ providerId: '5491122334455@s.whatsapp.net' })).toEqual([phone]);
    expect(identitiesOf({ providerId: '5491122334455:12@s.whatsapp.net' })).toEqual([phone]);
    expect(identitiesOf({ phone: '+5491122334455' })).toEqual([phone]);
    expect(identitiesOf({ phone: '+5491122334455', providerId: '1234567@lid' })).toEqual([phone, 'lid:1234567@lid']);
    expect(identitiesOf({})).toEqual([]);
  });
});

describe('rules', () => {
  it('reads opt-out and opt-in keywords as shoppers write them', () => {
    expect(optOutOf('STOP')).toBe('all');
    expect(optOutOf(' baja. ')).toBe('all');
    expect(optOutOf('Cancelar')).toBe('all');
    expect(optOutOf('stop promos')).toBe('marketing');
    expect(optOutOf('please stop sending me this')).toBeUndefined();
    expect(isOptIn('Alta')).toBe(true);
    expect(isOptIn('start!')).toBe(true);
  });

  it('knows business hours in the bot’s time zone', () => {
    const hours = { timezone: 'America/Argentina/Buenos_Aires', intervals: [{ day: 1, start: '09:00', end: '18:00' }] };
    expect(withinBusinessHours(hours, new Date('2026-03-02T12:30:00Z'))).toBe(true); // Monday 09:30 in Buenos Aires (UTC-3)
    expect(withinBusinessHours(hours, new Date('2026-03-02T11:59:00Z'))).toBe(false); // 08:59
    expect(withinBusinessHours(hours, new Date('2026-03-03T12:30:00Z'))).toBe(false); // Tuesday
    expect(withinBusinessHours(null, new Date())).toBe(true);
  });

  it('derives the same well-formed id every time', () => {
    const a = derivedId('message', 'ibe_01M987XDR0SK5VA73NATKYXC9H', 'reply');
    expect(a).toBe(derivedId('message', 'ibe_01M987XDR0SK5VA73NATKYXC9H', 'reply'));
    expect(a).not.toBe(derivedId('message', 'ibe_01M987XDR0SK5VA73NATKYXC9H', 'away'));
    expect(isId('message', a)).toBe(true);
    expect(a.slice(4, 14)).toBe('01M987XDR0');
  });

  it('checks WhatsApp’s limits and renders templates', () => {
    expect(checkContent({ type: 'list', body: 'b', button: 'Choose one of these now', sections: [{ rows: [{ id: 'a', title: 'A row title longer than 24', description: 'd'.repeat(73) }] }] }).map((v) => v.path)).toEqual([
      '/content/button',
      '/content/sections/0/rows/0/title',
      '/content/sections/0/rows/0/description',
    ]);
    expect(checkContent({ type: 'product_list', header: 'h', body: 'b', catalogId: 'c', sections: [{ title: 's', productRetailerIds: Array.from({ length: 31 }, (_, i) => `p${i}`) }] })).toHaveLength(1);
    expect(checkContent({ type: 'text', text: 'x'.repeat(4097) })).toHaveLength(1);
    expect(renderTemplate({ name: 't', body: 'Hola {{1}}, tu pedido {{2}}', params: ['Ana', '#12'] })).toBe('Hola Ana, tu pedido #12');
  });
});
