import { describe, expect, it } from 'vitest';
import { auditIds, scrubDetails, truncateIp } from './recorder.js';
import { isId } from '../ids.js';
import { toCsv } from '../http/csv.js';

describe('truncateIp', () => {
  it('keeps an IPv4 address’s /24 and an IPv6 address’s /48', () => {
    expect(truncateIp('203.0.113.77')).toBe('203.0.113.0');
    expect(truncateIp('::ffff:198.51.100.9')).toBe('198.51.100.0');
    expect(truncateIp('2001:db8:85a3:8d3:1319:8a2e:370:7348')).toBe('2001:db8:85a3::');
    expect(truncateIp('2001:0db8:0001::5')).toBe('2001:db8:1::');
    expect(truncateIp('::1')).toBe('0:0:0::');
    expect(truncateIp('fe80::1')).toBe('fe80:0:0::');
  });

  it('keeps nothing it cannot read', () => {
    expect(truncateIp(undefined)).toBeNull();
    expect(truncateIp('')).toBeNull();
    expect(truncateIp('localhost')).toBeNull();
    expect(truncateIp('1:2:3')).toBeNull();
    expect(truncateIp('gggg::1')).toBeNull();
  });
});

describe('scrubDetails', () => {
  it('takes out secrets by name and by shape, and emails', () => {
    const out = scrubDetails({
      password: 'hunter2-hunter2',
      new_password: 'x',
      api_key: 'anything',
      key: 'k',
      refresh_token: 'rt_abc',
      note: 'created sk_live_7Hq2abcdefghijkmnopqrstuvwxyz12345 for shop@example.com',
      nested: { deep: ['Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZw', 'whsec_c2VjcmV0LXNlY3JldA=='] },
      posthog: { project_api_key: 'phc_abcdefghijklmnop' },
      fields: ['name', 'tier'],
      count: 3,
      ok: true,
      none: null,
      skipped: undefined,
    });
    const text = JSON.stringify(out);
    for (const secret of ['hunter2', 'sk_live_7Hq2', 'shop@example.com', 'eyJhbGci', 'whsec_c2Vj', 'phc_abcdef', 'rt_abc']) expect(text).not.toContain(secret);
    expect(out).toMatchObject({ password: '[redacted]', new_password: '[redacted]', api_key: '[redacted]', key: '[redacted]', refresh_token: '[redacted]', fields: ['name', 'tier'], count: 3, ok: true, none: null });
    expect(out).not.toHaveProperty('skipped');
    expect(out.note).toBe('created [redacted] for [email]');
  });

  it('keeps at most 2 KB of facts', () => {
    const big = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, 'x'.repeat(100)]));
    const out = scrubDetails(big);
    expect(out.truncated).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(out))).toBeLessThan(2048);
  });
});

describe('CSV cells (platform/http/csv.ts)', () => {
  it('neutralises formulas, also after a leading minus, and leaves plain numbers', () => {
    const csv = toCsv(['a', 'b', 'c', 'd', 'e'], [['=HYPERLINK("http://x")', '-2+3+cmd|calc', '+1', -1.5, '@SUM(A1)']]);
    expect(csv.split('\r\n')[1]).toBe(`"'=HYPERLINK(""http://x"")",'-2+3+cmd|calc,'+1,-1.5,'@SUM(A1)`);
  });
});

describe('audit ids', () => {
  it('sort in the order they were made, within a millisecond too, and are well-formed aud_ ids', () => {
    const next = auditIds();
    const ids = [...Array.from({ length: 100 }, () => next(1_700_000_000_000)), ...Array.from({ length: 5 }, () => next(1_700_000_000_001))];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => isId('auditEvent', id))).toBe(true);
  });
});
