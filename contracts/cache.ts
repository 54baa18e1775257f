/**
 * Operators' view of the platform cache (`/admin/v1/cache`): namespaces with their figures, the
 * health check, selective invalidation. Counters and latency are this node's since it started;
 * entries and bytes are the namespace's (memory: this node's, counted; Redis: shared, sampled).
 */
import Type, { type Static } from 'typebox';
import { NullableScalar, StringEnum } from './common.js';

const Latency = Type.Object({
  p50_ms: NullableScalar(Type.Number()),
  p95_ms: NullableScalar(Type.Number()),
  count: Type.Integer({ description: 'Operations measured' }),
});

export const CacheNamespaceFigures = Type.Object({
  namespace: Type.String(),
  driver: StringEnum(['memory', 'redis'] as const),
  ttl_ms: Type.Integer(),
  max_entries: NullableScalar(Type.Integer()),
  max_bytes: NullableScalar(Type.Integer()),
  hits: Type.Integer(),
  misses: Type.Integer(),
  hit_ratio: NullableScalar(Type.Number({ description: 'hits / (hits + misses); null before the first get' })),
  sets: Type.Integer(),
  errors: Type.Integer({ description: 'Driver errors: a get answered as a miss, a set lost' }),
  invalidated: Type.Integer({ description: 'Entries removed by invalidation' }),
  entries: Type.Integer(),
  bytes: Type.Integer(),
  bytes_method: StringEnum(['exact', 'sampled'] as const, { description: '`exact`: counted key and value bytes; `sampled`: Redis MEMORY USAGE of up to 20 keys × entries (refreshed at most every 30 s)' }),
  latency: Type.Object({ get: Latency, set: Latency }),
});

export const CacheList = Type.Object({
  object: Type.Literal('list'),
  driver: StringEnum(['memory', 'redis'] as const),
  node: Type.String({ description: 'The node that answered (its counters and latency)' }),
  data: Type.Array(CacheNamespaceFigures),
});

export const CacheHealth = Type.Object({
  status: StringEnum(['ok', 'fail'] as const),
  driver: StringEnum(['memory', 'redis'] as const),
  latency_ms: Type.Number(),
  error: Type.Optional(Type.String()),
});

export const CacheInvalidateBody = Type.Object(
  {
    key: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    prefix: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  },
  { additionalProperties: false, description: 'One key, the keys starting with a prefix, or (empty body) the whole namespace' },
);

export const CacheInvalidation = Type.Object({
  object: Type.Literal('cache_invalidation'),
  namespace: Type.String(),
  scope: StringEnum(['key', 'prefix', 'namespace'] as const),
  removed: Type.Integer({ description: 'Entries removed on this node (memory; other nodes drop theirs through the bus) or in Redis' }),
});

export type TCacheNamespaceFigures = Static<typeof CacheNamespaceFigures>;
