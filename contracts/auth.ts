import Type from 'typebox';
import { NullableTimestamp, Timestamp } from './common.js';

export const User = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('user'),
    email: Type.String(),
    name: Type.Union([Type.String(), Type.Null()]),
    role: Type.Union([Type.Literal('operator'), Type.Literal('owner'), Type.Literal('member')]),
    tenant_id: Type.Union([Type.String(), Type.Null()]),
    active: Type.Boolean(),
    last_login_at: NullableTimestamp,
    created_at: Timestamp,
  },
  { $id: 'User' },
);

export const TokenPair = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'Seconds the access token lives' }),
  refresh_token: Type.String({ description: 'Single use: each refresh returns a new one' }),
  refresh_expires_in: Type.Integer(),
});

export const LoginBody = Type.Object(
  { email: Type.String({ format: 'email', maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);
export const LoginResponse = Type.Intersect([TokenPair, Type.Object({ user: Type.Ref('User') })]);
export const RefreshBody = Type.Object({ refresh_token: Type.String({ minLength: 10, maxLength: 200 }) }, { additionalProperties: false });
export const LogoutBody = Type.Object({ refresh_token: Type.Optional(Type.String({ minLength: 10, maxLength: 200 })) }, { additionalProperties: false });
export const PasswordBody = Type.Object(
  { current_password: Type.String({ minLength: 1, maxLength: 256 }), new_password: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);
export const CreateUserBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    password: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'Leave out to invite the person: they have no password and sign in through single sign-on with this (verified) email',
      }),
    ),
    role: Type.Union([Type.Literal('owner'), Type.Literal('member')], {
      description:
        "What the person may do in their store: `owner` reads and changes it (settings, API keys, users, webhook endpoints); `member` reads only (dashboard figures, try-ons, webhook delivery logs). Operators are not created here (`probador operator create`).",
    }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export const UpdateUserBody = Type.Object({ active: Type.Boolean() }, { additionalProperties: false });
