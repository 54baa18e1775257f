/**
 * The figures made from feedback and analyses, per tenant over a period (SQL groups, JavaScript
 * adds the few groups up): agreement per predicted season and Monk level with the confusion list
 * (`GET /v1/style/feedback/summary`), and the dashboard's style figures — analyses per hour/day,
 * seasons, Monk levels, agreement (`GET /v1/style/analytics`).
 */
import { sql, type AnyColumn } from 'drizzle-orm';
import type { Db } from '../../../platform/db/client.js';
import { bucketStarts, presentRange, type Range } from '../../analytics/index.js';
import { FACE_SHAPES, SEASONS_12 } from '../../../../contracts/style.js';
import type { TFeedbackSummary, TStyleFigures } from '../../../../contracts/style-feedback.js';
import { styleAnalyses } from '../tables.js';
import { styleFeedback } from './tables.js';

type Season = (typeof SEASONS_12)[number];
type Shape = (typeof FACE_SHAPES)[number];
type Rows<T> = { rows: T[] };
const rowsOf = async <T>(q: Promise<unknown>) => ((await q) as Rows<T>).rows;
const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

type Acc = { feedback: number; yes: number; no: number; unsure: number; rated: number; ratingSum: number; corrected: number };
const emptyAcc = (): Acc => ({ feedback: 0, yes: 0, no: 0, unsure: 0, rated: 0, ratingSum: 0, corrected: 0 });
const agreementOf = (a: Acc) => ({
  feedback: a.feedback,
  yes: a.yes,
  no: a.no,
  unsure: a.unsure,
  agreement: ratio(a.yes, a.feedback),
  rated: a.rated,
  mean_rating: a.rated > 0 ? Math.round((a.ratingSum / a.rated) * 100) / 100 : null,
  corrected: a.corrected,
});

type GroupRow = { season: string | null; monk: number | null; feels_right: 'yes' | 'no' | 'unsure'; corrected: string | null; n: number; rated: number; rating_sum: number };

const inRange = (col: AnyColumn, r: Range) => sql`${col} >= ${new Date(r.from)} and ${col} < ${new Date(r.to)}`;

export async function feedbackSummary(db: Db, tenantId: string, r: Range): Promise<TFeedbackSummary> {
  const f = styleFeedback;
  const groups = await rowsOf<GroupRow>(
    db.execute(sql`
      select ${f.predictedSeason} as season, ${f.predictedMonk} as monk, ${f.feelsRight} as feels_right, ${f.correctedSeason} as corrected,
             count(*)::int as n, count(${f.rating})::int as rated, coalesce(sum(${f.rating}), 0)::int as rating_sum
      from ${f} where ${f.tenantId} = ${tenantId} and ${inRange(f.createdAt, r)}
      group by 1, 2, 3, 4`),
  );
  const faces = await rowsOf<{ predicted: Shape; corrected: Shape; n: number }>(
    db.execute(sql`
      select ${f.predictedFaceShape} as predicted, ${f.correctedFaceShape} as corrected, count(*)::int as n
      from ${f} where ${f.tenantId} = ${tenantId} and ${inRange(f.createdAt, r)}
        and ${f.predictedFaceShape} is not null and ${f.correctedFaceShape} is not null and ${f.correctedFaceShape} <> ${f.predictedFaceShape}
      group by 1, 2`),
  );

  const overall = emptyAcc();
  const bySeason = new Map<Season, { acc: Acc; corrections: Map<Season, number> }>();
  const byMonk = new Map<number | null, Acc>();
  const confusion = new Map<string, number>();
  for (const g of groups) {
    const changed = g.corrected !== null && g.corrected !== g.season;
    const add = (a: Acc) => {
      a.feedback += g.n;
      a[g.feels_right] += g.n;
      a.rated += g.rated;
      a.ratingSum += g.rating_sum;
      if (changed) a.corrected += g.n;
    };
    add(overall);
    if (g.season !== null) {
      const s = g.season as Season;
      const entry = bySeason.get(s) ?? { acc: emptyAcc(), corrections: new Map<Season, number>() };
      bySeason.set(s, entry);
      add(entry.acc);
      if (changed) {
        const c = g.corrected as Season;
        entry.corrections.set(c, (entry.corrections.get(c) ?? 0) + g.n);
        confusion.set(`${s}>${c}`, (confusion.get(`${s}>${c}`) ?? 0) + g.n);
      }
    }
    const m = byMonk.get(g.monk) ?? emptyAcc();
    byMonk.set(g.monk, m);
    add(m);
  }

  const seasonOrder = (s: string) => SEASONS_12.indexOf(s as Season);
  const topOf = (corrections: Map<Season, number>) => {
    let best: { season: Season; count: number } | null = null;
    for (const s of SEASONS_12) {
      const n = corrections.get(s) ?? 0;
      if (n > 0 && (!best || n > best.count)) best = { season: s, count: n };
    }
    return best;
  };
  return {
    object: 'style_feedback_summary',
    range: presentRange(r),
    overall: agreementOf(overall),
    by_season: [...bySeason.entries()]
      .sort(([a, x], [b, y]) => y.acc.feedback - x.acc.feedback || seasonOrder(a) - seasonOrder(b))
      .map(([season, e]) => ({ season, ...agreementOf(e.acc), top_correction: topOf(e.corrections) })),
    by_monk: [...byMonk.entries()].sort(([a], [b]) => (a ?? 99) - (b ?? 99)).map(([monk, a]) => ({ monk, ...agreementOf(a) })),
    confusion: [...confusion.entries()]
      .map(([k, count]) => {
        const [predicted, corrected] = k.split('>') as [Season, Season];
        return { predicted, corrected, count };
      })
      .sort((a, b) => b.count - a.count || seasonOrder(a.predicted) - seasonOrder(b.predicted) || seasonOrder(a.corrected) - seasonOrder(b.corrected)),
    face_confusion: faces
      .map((x) => ({ predicted: x.predicted, corrected: x.corrected, count: x.n }))
      .sort((a, b) => b.count - a.count || FACE_SHAPES.indexOf(a.predicted) - FACE_SHAPES.indexOf(b.predicted) || FACE_SHAPES.indexOf(a.corrected) - FACE_SHAPES.indexOf(b.corrected)),
  };
}

export async function styleFigures(db: Db, tenantId: string, r: Range): Promise<TStyleFigures> {
  const a = styleAnalyses;
  const f = styleFeedback;
  const bucket = (col: AnyColumn) => sql`floor((extract(epoch from ${col}) * 1000 - ${r.from}) / ${r.step})::int`;
  const analyses = await rowsOf<{ b: number; n: number; succeeded: number; failed: number; retakes: number; cached: number; fused: number }>(
    db.execute(sql`
      select ${bucket(a.createdAt)} as b, count(*)::int as n,
             count(*) filter (where ${a.status} = 'succeeded')::int as succeeded,
             count(*) filter (where ${a.status} = 'failed')::int as failed,
             count(*) filter (where ${a.status} = 'succeeded' and (${a.quality} ->> 'retake') = 'true')::int as retakes,
             count(*) filter (where ${a.cached})::int as cached,
             count(*) filter (where ${a.source} = 'fused')::int as fused
      from ${a} where ${a.tenantId} = ${tenantId} and ${inRange(a.createdAt, r)}
      group by 1`),
  );
  const seasons = await rowsOf<{ season: string; n: number }>(
    db.execute(sql`
      select ${a.color} -> 'season12' ->> 'season' as season, count(*)::int as n
      from ${a} where ${a.tenantId} = ${tenantId} and ${inRange(a.createdAt, r)} and ${a.status} = 'succeeded' and ${a.color} is not null
      group by 1`),
  );
  const monk = await rowsOf<{ monk: number; n: number }>(
    db.execute(sql`
      select (${a.color} -> 'measured' -> 'skin' ->> 'monk')::int as monk, count(*)::int as n
      from ${a} where ${a.tenantId} = ${tenantId} and ${inRange(a.createdAt, r)} and ${a.status} = 'succeeded' and (${a.color} -> 'measured' -> 'skin' ->> 'monk') is not null
      group by 1`),
  );
  const feedback = await rowsOf<{ b: number; n: number; yes: number }>(
    db.execute(sql`
      select ${bucket(f.createdAt)} as b, count(*)::int as n, count(*) filter (where ${f.feelsRight} = 'yes')::int as yes
      from ${f} where ${f.tenantId} = ${tenantId} and ${inRange(f.createdAt, r)}
      group by 1`),
  );
  const summary = await feedbackSummary(db, tenantId, r);

  const starts = bucketStarts(r);
  const points = starts.map((t) => ({ t: new Date(t).toISOString(), analyses: 0, succeeded: 0, failed: 0, retakes: 0, feedback: 0, yes: 0, agreement: null as number | null }));
  const totals = { analyses: 0, succeeded: 0, failed: 0, retakes: 0, cached: 0, quiz_fused: 0 };
  for (const x of analyses) {
    totals.analyses += x.n;
    totals.succeeded += x.succeeded;
    totals.failed += x.failed;
    totals.retakes += x.retakes;
    totals.cached += x.cached;
    totals.quiz_fused += x.fused;
    const p = points[x.b];
    if (!p) continue;
    p.analyses += x.n;
    p.succeeded += x.succeeded;
    p.failed += x.failed;
    p.retakes += x.retakes;
  }
  for (const x of feedback) {
    const p = points[x.b];
    if (!p) continue;
    p.feedback += x.n;
    p.yes += x.yes;
    p.agreement = ratio(p.yes, p.feedback);
  }
  const withColor = seasons.reduce((s, x) => s + x.n, 0);
  const bySeason = new Map(seasons.map((x) => [x.season, x.n]));
  const byMonk = new Map(monk.map((x) => [x.monk, x.n]));
  return {
    object: 'style_figures',
    range: presentRange(r),
    summary: { ...totals, ...summary.overall },
    points,
    seasons: SEASONS_12.map((season) => ({ season, analyses: bySeason.get(season) ?? 0, share: withColor > 0 ? (bySeason.get(season) ?? 0) / withColor : 0 })),
    monk: Array.from({ length: 10 }, (_, i) => ({ monk: i + 1, analyses: byMonk.get(i + 1) ?? 0 })),
  };
}
