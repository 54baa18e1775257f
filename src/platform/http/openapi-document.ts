/**
 * Makes the generated OpenAPI document complete in one place, so a route added later is clean
 * too (tested by test/openapi-lint.test.ts with Redocly's recommended rules):
 * - an `operationId` derived from method + path (`tryons.create`, `tryons.get`, `tryons.list`,
 *   `bots.connections.update`, `admin.tenants.keys.rotate`) unless the route sets its own
 *   `schema.operationId` (a clash is left for the lint test to name: the document is still served);
 * - problem+json error responses sharing the one `Problem` schema: the route's own 4xx, plus 400
 *   (inputs), 401 (authenticated), 404 (path ids), 429 (rate limited) and 500 where missing;
 * - a `200` for the few routes that declare no 2xx (providers' webhooks answer a bare 200).
 * Security and tags come from the route itself (openapi.ts's `transform`).
 */

type Json = Record<string, unknown>;
type Operation = Json & { operationId?: string; responses?: Record<string, Json>; parameters?: Json[]; requestBody?: Json; security?: Json[] };

export const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

const PROBLEM_REF = '#/components/schemas/Problem';

const PROBLEM_DESCRIPTIONS: Record<string, string> = {
  '400': 'The request is not valid (`VALIDATION_FAILED` and others): see `errors` for each field',
  '401': 'No credentials, or credentials that are not valid',
  '403': 'The credentials do not allow this',
  '404': 'Not found (an id of another tenant is not found either)',
  '408': 'The request body arrived too slowly',
  '409': 'Conflicts with the resource’s current state (or an Idempotency-Key reused with another body)',
  '410': 'Gone: the resource expired or was erased',
  '413': 'The body or file is too large',
  '415': 'The media type is not supported',
  '422': 'Understood, but cannot be processed',
  '429': 'Rate limited: retry after `Retry-After` seconds',
  '500': 'An unexpected error (details are logged with the request id, never shown)',
  '503': 'Temporarily unavailable: retry later',
};

/** `Foo-bar_baz` → `fooBarBaz`. */
const camel = (s: string) => s.replace(/[-_.]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/^[A-Z]/, (c) => c.toLowerCase());

const isParam = (seg: string) => seg.startsWith('{');

/** The path's segments without version segments (`v1`): `/admin/v1/tenants/{id}` → admin, tenants, {id}. */
export function resourceSegments(path: string): string[] {
  return path.split('/').filter((s) => s && !/^v\d+$/.test(s));
}

/** The tag a route without one gets: the path's first segment (`/v1/tryons/…` → `tryons`). */
export function tagForPath(path: string): string {
  const first = resourceSegments(path.replace(/:(\w+)/g, '{$1}')).find((s) => !isParam(s));
  return first ?? 'root';
}

function resolve(doc: Json, schema: Json | undefined): Json | undefined {
  const ref = schema?.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/components/schemas/')) return schema;
  return ((doc.components as Json | undefined)?.schemas as Record<string, Json> | undefined)?.[ref.slice('#/components/schemas/'.length)];
}

/** A `{ data: [...], has_more }` answer: a cursor list. */
function returnsList(doc: Json, op: Operation): boolean {
  const ok = op.responses?.['200']?.content as Record<string, { schema?: Json }> | undefined;
  const schema = resolve(doc, ok?.['application/json']?.schema);
  const props = schema?.properties as Json | undefined;
  return Boolean(props && 'data' in props && 'has_more' in props);
}

/**
 * `POST /x/{id}/cancel` is an action (`x.cancel`), `POST /bots/{id}/connections` creates in a
 * collection (`bots.connections.create`): a collection is a path that is also read (GET) or has
 * items (`/…/{id}` below it), or whose name is a plural.
 */
function isCollection(doc: Json, path: string, last: string): boolean {
  const paths = doc.paths as Record<string, Json>;
  if (paths[path]?.get) return true;
  if (Object.keys(paths).some((p) => p.startsWith(`${path}/{`))) return true;
  return /[^su]s$/.test(last) || /(ches|shes|sses|xes)$/.test(last);
}

export function deriveOperationId(doc: Json, method: string, path: string, op: Operation): string {
  const segs = resourceSegments(path);
  const names = segs.filter((s) => !isParam(s)).map(camel);
  const last = segs[segs.length - 1] ?? '';
  const endsWithParam = isParam(last);
  let verb: string;
  let base = names;
  switch (method) {
    case 'get':
      verb = !endsWithParam && returnsList(doc, op) ? 'list' : 'get';
      break;
    case 'put':
      verb = op.responses?.['201'] ? 'upsert' : 'replace';
      break;
    case 'patch':
      verb = 'update';
      break;
    case 'delete':
      verb = 'delete';
      break;
    default:
      if (endsWithParam) verb = 'post';
      else if (isCollection(doc, path, last)) verb = 'create';
      else {
        verb = names[names.length - 1] ?? 'post';
        base = names.slice(0, -1);
      }
  }
  return [...base, verb].join('.');
}

function problemResponse(status: string, description?: string): Json {
  const res: Json = { description: PROBLEM_DESCRIPTIONS[status] ?? description ?? 'An RFC 9457 problem document', content: { 'application/problem+json': { schema: { $ref: PROBLEM_REF } } } };
  if (status === '429' || status === '503') res.headers = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } };
  return res;
}

export type RouteFacts = { rateLimited: boolean; /** The route's `schema.produces` (e.g. `text/event-stream`). */ produces?: string[] };

/** Completes the document in place (see the file's comment) and returns it. */
export function completeDocument(doc: Json, facts: (method: string, path: string) => RouteFacts | undefined): Json {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Operation>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      op.operationId ??= deriveOperationId(doc, method, path, op);

      const responses = (op.responses ??= {});
      for (const [status, res] of Object.entries(responses)) {
        const content = res.content as Record<string, { schema?: Json }> | undefined;
        const refsProblem = content && Object.values(content).some((m) => m.schema?.$ref === PROBLEM_REF);
        if (/^[45]\d\d$/.test(status) && (refsProblem || !content)) responses[status] = problemResponse(status, res.description as string | undefined);
      }
      if (!Object.keys(responses).some((s) => /^2\d\d$/.test(s))) responses['200'] = { description: 'Acknowledged' };
      const f = facts(method, path);
      // A Server-Sent Events route declares no body schema: name its media type.
      const ok = responses['200'];
      if (ok && !ok.content && f?.produces?.includes('text/event-stream')) {
        ok.description = 'A stream of Server-Sent Events';
        ok.content = { 'text/event-stream': { schema: { type: 'string' } } };
      }
      const add = (status: string, when: boolean) => {
        if (when && !responses[status]) responses[status] = problemResponse(status);
      };
      add('400', Boolean(op.parameters?.length || op.requestBody));
      add('401', Boolean(op.security?.length));
      add('404', path.includes('{'));
      add('429', f?.rateLimited ?? true);
      add('500', true);
    }
  }
  // Security schemes no route uses (end users' before the accounts module is there) are left out.
  const used = new Set(Object.values(paths).flatMap((item) => METHODS.flatMap((m) => (item[m]?.security ?? []).flatMap((req) => Object.keys(req)))));
  const schemes = (doc.components as Json | undefined)?.securitySchemes as Json | undefined;
  for (const name of Object.keys(schemes ?? {})) if (!used.has(name)) delete schemes![name];
  return doc;
}
