/** Cursor lists (`limit` + `starting_after` → `{ data, has_more }`) as an async iterator over every item. */
import { type ApiClient, unwrap } from './client.js';
import type { paths } from './schema.js';

type ListAnswer = { data: unknown[]; has_more: boolean };

/** The paths whose GET answers a cursor list. */
export type ListPath = {
  [P in keyof paths]: paths[P] extends { get: { responses: { 200: { content: { 'application/json': ListAnswer } } } } } ? P : never;
}[keyof paths];

type ListGet<P extends ListPath> = paths[P] extends { get: infer G } ? G : never;
export type ListItem<P extends ListPath> = ListGet<P> extends { responses: { 200: { content: { 'application/json': { data: (infer I)[] } } } } } ? I : never;
type Params<P extends ListPath> = ListGet<P> extends { parameters: infer Q } ? Q : never;
type Query<P extends ListPath> = Params<P> extends { query?: infer Q } ? Omit<NonNullable<Q>, 'starting_after'> : never;
type PathParams<P extends ListPath> = Params<P> extends { path?: infer X } ? X : never;

export interface PaginateOptions<P extends ListPath> {
  query?: Partial<Query<P>>;
  path?: PathParams<P>;
  /** The cursor of an item (default: its `id`, else its `product_id`). */
  cursorOf?: (item: ListItem<P>) => string;
  signal?: AbortSignal;
}

const defaultCursor = (item: unknown) => {
  const o = item as { id?: unknown; product_id?: unknown };
  const c = o.id ?? o.product_id;
  if (typeof c !== 'string') throw new TypeError('paginate: an item without an `id`; pass cursorOf');
  return c;
};

/** Every item of a list, page after page (`for await (const t of paginate(client, '/v1/tryons', { query: { limit: 50 } }))`). */
export async function* paginate<P extends ListPath>(client: ApiClient, path: P, opts: PaginateOptions<P> = {}): AsyncGenerator<ListItem<P>> {
  const cursorOf = (opts.cursorOf ?? defaultCursor) as (item: unknown) => string;
  let after: string | undefined;
  for (;;) {
    const query = { ...(opts.query as Record<string, unknown> | undefined), ...(after ? { starting_after: after } : {}) };
    const get = client.GET as unknown as (p: string, init: unknown) => Promise<{ data?: ListAnswer; error?: unknown; response: Response }>;
    const page = unwrap(await get(path, { params: { query, ...(opts.path ? { path: opts.path } : {}) }, ...(opts.signal ? { signal: opts.signal } : {}) }));
    for (const item of page.data) yield item as ListItem<P>;
    const last = page.data[page.data.length - 1];
    if (!page.has_more || last === undefined) return;
    after = cursorOf(last);
  }
}
