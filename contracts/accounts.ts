/** End users of a tenant (modules/accounts): sign-up, sign-in, sessions, profile, export. */
import Type from 'typebox';
import { NullableTimestamp, Timestamp } from './common.js';
import { TokenPair } from './auth.js';

export const Language = Type.Union([Type.Literal('en'), Type.Literal('es')], { description: 'The language of mail and of texts shown to the person' });

/** Small free-form settings of the person (a widget's choices); at most 4 KiB as JSON. */
export const Preferences = Type.Record(Type.String({ minLength: 1, maxLength: 64 }), Type.Unknown(), {
  maxProperties: 50,
  description: 'A small JSON object (at most 50 keys and 4 KiB as JSON); replaced as a whole on PATCH',
});

export const EndUser = Type.Object(
  {
    id: Type.String({ description: '`usr_…`' }),
    object: Type.Literal('end_user'),
    tenant_id: Type.String(),
    email: Type.String(),
    name: Type.Union([Type.String(), Type.Null()]),
    language: Language,
    preferences: Type.Record(Type.String(), Type.Unknown()),
    last_login_at: NullableTimestamp,
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'EndUser' },
);

const Email = Type.String({ format: 'email', maxLength: 254 });
const Password = Type.String({ minLength: 1, maxLength: 256 });

export const RegisterBody = Type.Object(
  { email: Email, password: Password, name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), language: Type.Optional(Language) },
  { additionalProperties: false },
);
export const EndUserLoginBody = Type.Object({ email: Email, password: Password }, { additionalProperties: false });
export const EndUserSession = Type.Intersect([TokenPair, Type.Object({ user: Type.Ref('EndUser') })]);
export const EndUserRefreshBody = Type.Object({ refresh_token: Type.String({ minLength: 10, maxLength: 200 }) }, { additionalProperties: false });
export const ResetRequestBody = Type.Object(
  {
    email: Email,
    reset_url: Type.Optional(
      Type.String({
        maxLength: 2000,
        pattern: '^https?://',
        description:
          "The page that takes the new password; the mail links to it with `?token=…` added. With a publishable key it must be on the calling page's origin. Without it the mail carries the token to paste.",
      }),
    ),
  },
  { additionalProperties: false },
);
export const ResetConfirmBody = Type.Object({ token: Type.String({ minLength: 10, maxLength: 200 }), new_password: Password }, { additionalProperties: false });
export const ResetAccepted = Type.Object({ object: Type.Literal('password_reset'), status: Type.Literal('sent_if_known') });

export const ProfilePatch = Type.Object(
  { name: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()])), language: Type.Optional(Language), preferences: Type.Optional(Preferences) },
  { additionalProperties: false, minProperties: 1 },
);
export const ChangePasswordBody = Type.Object({ current_password: Password, new_password: Password }, { additionalProperties: false });
export const DeleteAccountBody = Type.Object({ password: Password }, { additionalProperties: false });

export const EndUserSessionInfo = Type.Object({
  id: Type.String({ description: '`ses_…`' }),
  object: Type.Literal('session'),
  current: Type.Boolean(),
  created_at: Timestamp,
  last_refreshed_at: Timestamp,
  expires_at: Timestamp,
});
export const SessionList = Type.Object({ object: Type.Literal('list'), data: Type.Array(EndUserSessionInfo), has_more: Type.Boolean() });

export const AccountExport = Type.Object({
  object: Type.Literal('account_export'),
  exported_at: Timestamp,
  account: Type.Ref('EndUser'),
  sessions: Type.Array(EndUserSessionInfo),
  data: Type.Record(Type.String(), Type.Unknown(), { description: "What other parts of the platform keep about the person, by name (style history, feedback, files …)" }),
});
