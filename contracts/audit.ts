/** The audit trail: who did what (GET /admin/v1/audit, GET /v1/audit). Pure TypeBox. */
import Type, { type Static } from 'typebox';
import { ListQuery, NullableScalar, StringEnum } from './common.js';

export const AuditActorKind = StringEnum(['operator', 'store_user', 'api_key', 'cli', 'system', 'end_user', 'anonymous'] as const, {
  description: 'operator, store_user (owner or member), api_key, cli (the probador command), system (start-up, seeding), end_user, anonymous (a sign-in with an unknown email)',
});

export const AuditEvent = Type.Object(
  {
    id: Type.String({ description: '`aud_…`' }),
    object: Type.Literal('audit_event'),
    at: Type.String({ format: 'date-time' }),
    tenant_id: NullableScalar(Type.String(), { description: 'null: a platform event' }),
    action: Type.String({ description: 'Dotted: auth.sign_in, auth.sign_in_failed, key.created, key.rotated, key.revoked, tenant.created, tenant.updated, tenant.settings_changed, tenant.deactivated, user.added, user.disabled, user.enabled, operator.created, operator.password_reset, auth.password_changed, end_user.exported, end_user.erased' }),
    actor: Type.Object({
      kind: AuditActorKind,
      id: NullableScalar(Type.String()),
      label: NullableScalar(Type.String(), { description: 'Looked up when read (a person’s email, a key’s prefix and name); never stored' }),
    }),
    target: Type.Union([Type.Object({ type: Type.String(), id: Type.String() }), Type.Null()]),
    request_id: NullableScalar(Type.String()),
    ip: NullableScalar(Type.String(), { description: 'Truncated: IPv4 /24, IPv6 /48' }),
    details: Type.Record(Type.String(), Type.Unknown()),
  },
  { $id: 'AuditEvent' },
);
export type TAuditEvent = Static<typeof AuditEvent>;

const Action = Type.String({ pattern: '^[a-z_]+(\\.[a-z_]+)*(\\.\\*)?$', maxLength: 80, description: 'Exact (key.created) or a prefix (key.*)' });

export const AuditQuery = Type.Intersect([
  ListQuery,
  Type.Object({
    action: Type.Optional(Action),
    actor_kind: Type.Optional(AuditActorKind),
    actor_id: Type.Optional(Type.String({ pattern: '^(usr|key)_[0-9A-Za-z]{1,64}$', maxLength: 80 })),
    target_id: Type.Optional(Type.String({ pattern: '^[a-z]{2,5}_[0-9A-Za-z]{1,64}$', maxLength: 80 })),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'At or after' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Before' })),
    format: Type.Optional(StringEnum(['json', 'csv'] as const, { description: 'csv: same as Accept: text/csv — every matching event (at most 10,000), not one page' })),
  }),
]);
export type TAuditQuery = Static<typeof AuditQuery>;

export const OperatorAuditQuery = Type.Intersect([AuditQuery, Type.Object({ tenant_id: Type.Optional(Type.String({ pattern: '^ten_[0-9A-Za-z]{1,64}$', maxLength: 80 })) })]);
export type TOperatorAuditQuery = Static<typeof OperatorAuditQuery>;
