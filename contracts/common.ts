/** Shapes shared by every endpoint: problem documents, lists, ids. Pure TypeBox, no server imports. */
import Type, { type Static, type TBoolean, type TInteger, type TNumber, type TObject, type TSchema, type TString } from 'typebox';

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    request_id: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ in: Type.String(), path: Type.String(), message: Type.Optional(Type.String()) }))),
  },
  { $id: 'Problem', description: 'An RFC 9457 problem document' },
);

/** The standard error responses, to spread into a route's `response` map. */
export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, Type.Ref('Problem')])) as Record<number, TSchema>;

export const ListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  starting_after: Type.Optional(Type.String({ maxLength: 64, description: 'Cursor: the id of the last item of the previous page' })),
});

export const listOf = <T extends TSchema>(item: T) => Type.Object({ object: Type.Literal('list'), data: Type.Array(item), has_more: Type.Boolean() });

export const IdParam = <N extends string>(name: N, prefix: string) =>
  Type.Object({ [name]: Type.String({ pattern: `^${prefix}_[0-9A-Za-z]{1,64}$`, maxLength: 80 }) } as Record<N, TString>) as TObject<Record<N, TString>>;

export const Timestamp = Type.String({ format: 'date-time' });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

/**
 * `T | null` for a string, number, integer or boolean, as a JSON Schema type array
 * (`{ type: ['string', 'null'] }`) rather than `anyOf`: fast-json-stringify compiles a type array
 * into a typeof check, but serializes an `anyOf` by validating the value against each branch with
 * Ajv on every response. Same meaning, same OpenAPI 3.1. Use in hot response schemas.
 */
export const NullableScalar = <T extends TString | TInteger | TNumber | TBoolean>(schema: T, options: Record<string, unknown> = {}) =>
  Type.Unsafe<Static<T> | null>({ ...schema, ...options, type: [schema.type, 'null'] });

/** One of a few strings, as `{ type: 'string', enum: [...] }` (compiled by fast-json-stringify; a union of literals is an `anyOf`). */
export const StringEnum = <const V extends readonly string[]>(values: V, options: Record<string, unknown> = {}) =>
  Type.Unsafe<V[number]>({ ...options, type: 'string', enum: [...values] });
