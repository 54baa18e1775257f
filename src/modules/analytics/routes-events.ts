/** `POST /v1/events`: the widget's funnel events (publishable key + widget session) or a server's. */
import { problemResponses } from '../../../contracts/common.js';
import { PostEventsBody, PostEventsResponse } from '../../../contracts/analytics.js';
import { keyPrincipal } from '../../platform/http/principal.js';
import type { App } from '../../platform/http/types.js';
import type { Db } from '../../platform/db/client.js';
import type { Clock } from '../../platform/clock.js';
import { recordEvents, widgetSessionHash } from './events.js';
import type { ExportedEvent } from './posthog.js';

export function eventRoutes(app: App, { db, clock, exportEvents }: { db: Db; clock: Clock; exportEvents: (tenantId: string, events: ExportedEvent[]) => void }) {
  app.post(
    '/v1/events',
    {
      config: { auth: 'key' },
      bodyLimit: 64 * 1024,
      schema: {
        tags: ['widget', 'analytics'],
        summary: 'Record widget funnel events (1–50): opened, consented, uploaded, precheck_failed, generated, viewed, downloaded, shared, added_to_cart',
        description: 'Publishable keys (from an allowed origin) need the `probador-session` header; secret keys may send events from a server.',
        body: PostEventsBody,
        response: { 202: PostEventsResponse, ...problemResponses(400, 401, 403, 413, 415, 429) },
      },
    },
    async (req, reply) => {
      const p = keyPrincipal(req.principal);
      const h = req.headers['probador-session'];
      const session = widgetSessionHash(p, Array.isArray(h) ? h[0] : h);
      const accepted = await recordEvents(db, clock, p, session, req.body.events);
      exportEvents(p.tenantId, req.body.events.map((e) => ({ type: e.type, at: e.at ? new Date(e.at) : new Date(clock.now()), session, productId: e.product_id ?? null, tryonId: e.tryon_id ?? null, properties: e.properties ?? null })));
      return reply.code(202).send({ accepted });
    },
  );
}
