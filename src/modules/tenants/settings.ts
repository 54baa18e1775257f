/**
 * A tenant's `settings` as read back: only the values that pass the settings schema
 * (contracts/tenants.ts `TenantSettings`). Writes are checked by the route schemas; this guards
 * reads of rows stored before that check existed (or written around the API), so a bad value is
 * dropped — the default applies — instead of breaking the widget or every try-on.
 */
import Value from 'typebox/value';
import type { TObject, TSchema } from 'typebox';
import { TenantSettings, type TTenantSettings } from '../../../contracts/tenants.js';

/** The members of `value` that pass their property schema in `schema` (one level deep for sections). */
function checkedMembers(schema: TObject, value: unknown): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  const out: Record<string, unknown> = {};
  const props = schema.properties as Record<string, TSchema>;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const prop = props[k];
    if (prop && Value.Check(prop, v)) out[k] = v;
  }
  return out;
}

export function checkedSettings(settings: unknown): TTenantSettings {
  const top = TenantSettings.properties as Record<string, TSchema>;
  const out: Record<string, unknown> = {};
  if (!settings || typeof settings !== 'object' || Array.isArray(settings)) return {};
  for (const [k, v] of Object.entries(settings as Record<string, unknown>)) {
    const prop = top[k];
    if (!prop) continue;
    if (Value.Check(prop, v)) out[k] = v;
    else if ('properties' in prop) out[k] = checkedMembers(prop as TObject, v); // a section: keep its good members
    // An optional section's schema is the object itself in TypeBox 1 (Optional is a modifier).
  }
  return out as TTenantSettings;
}

/** The widget section, checked: what `/v1/widget/config` returns. */
export const checkedWidget = (settings: unknown) => checkedSettings(settings).widget ?? {};
