/**
 * Style for signed-in end users: their history (analyses and quiz results they made), the palette
 * they chose, "my colours" (the chosen palette, or their answers fused), saved catalog products
 * with their colour scores, their files, and their part of the account's export and erasure.
 * Everything is scoped by tenant and user: another user's ids are 404.
 */
import type { Deps } from '../../../deps.js';
import type { TColorAnswer, TColorMatch, TSeason12 } from '../../../../contracts/style.js';
import { AppError } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { endUserScope } from '../../../platform/http/principal.js';
import { normalizeImage } from '../../../platform/images/normalize.js';
import { sniffImageType } from '../../../platform/images/sniff.js';
import { certaintyOf, fuseColorAnswers } from '../fusion.js';
import { paletteFor } from '../palettes.js';
import type { StyleService } from '../service.js';
import type { StyleMatchPorts, StyleMatchService } from '../service-match.js';
import type { StylePorts } from '../ports.js';
import type { QuizResultRow } from '../tables-match.js';
import * as repo from './repository.js';
import type { StyleUserFileRow } from './tables.js';

export type Person = { tenantId: string; userId: string };
/** How many of a person's newest answers "my colours" fuses. */
export const FUSE_MAX = 20;
/** The types a user's file may be (sniffed from the bytes, never the declared type). */
const FILE_TYPES = new Set(['jpeg', 'png', 'webp']);

const iso = (d: Date) => d.toISOString();
export const presentQuizResult = (r: QuizResultRow) => ({ id: r.id, object: 'style_quiz_result' as const, source: r.source, color: r.color, analysis_id: r.analysisId, created_at: iso(r.createdAt) });

export type PeopleDeps = Pick<Deps, 'db' | 'clock' | 'blobs' | 'config'>;
export type PeoplePorts = Pick<StylePorts, 'getTenant' | 'retentionMs' | 'signedUrl'> & Pick<StyleMatchPorts, 'productColors'>;

export function createStylePeople(deps: PeopleDeps, ports: PeoplePorts, style: { service: StyleService; match: StyleMatchService }) {
  const { db, clock, blobs } = deps;
  const scope = (p: Person) => ({ tenantId: p.tenantId, widgetSession: () => endUserScope(p.userId) });

  /** The season an analysis or quiz result of the person's names (404 for anyone else's). */
  async function seasonOf(p: Person, ref: { analysis_id?: string | undefined; quiz_result_id?: string | undefined }): Promise<TSeason12> {
    if (ref.analysis_id) {
      const row = await style.service.getRow(p.tenantId, ref.analysis_id, endUserScope(p.userId));
      if (!row.color) throw new AppError('VALIDATION_FAILED', `Style analysis ${row.id} has no colour answer (${row.status}).`);
      return row.color.season12.season;
    }
    return (await style.match.getQuizResult(scope(p), ref.quiz_result_id!)).color.season12.season;
  }

  async function presentPalette(p: Person) {
    const row = await repo.getProfile(db, p.tenantId, p.userId);
    if (!row) return { object: 'style_palette_choice' as const, season: null, source: null, source_id: null, palette: null, updated_at: null };
    return { object: 'style_palette_choice' as const, season: row.season, source: row.source, source_id: row.sourceId, palette: paletteFor(row.season), updated_at: iso(row.updatedAt) };
  }

  /** The chosen palette, or the person's analyses and quiz results fused (newest photo first), or nothing yet. */
  async function myColors(p: Person) {
    const chosen = await repo.getProfile(db, p.tenantId, p.userId);
    const analyses = (await repo.userColorAnalyses(db, p.tenantId, p.userId, FUSE_MAX)).filter((a): a is { id: string; color: TColorAnswer } => a.color !== null);
    const quizzes = await repo.userQuizColors(db, p.tenantId, p.userId, FUSE_MAX);
    let fused: { color: TColorAnswer; certainty: number } | null = null;
    const parts = [...analyses.map((a) => ({ id: a.id, color: a.color, certainty: certaintyOf(a.color) })), ...quizzes.map((q) => ({ id: q.id, color: q.color, certainty: q.certainty }))];
    for (const part of parts) {
      fused = fused
        ? fuseColorAnswers(fused.color, { color: part.color, certainty: part.certainty, olive: part.color.undertone === 'olive', answered: [] })
        : { color: part.color, certainty: part.certainty };
    }
    const from = parts.map((x) => x.id);
    if (chosen) return { object: 'style_colors' as const, source: 'chosen' as const, season: chosen.season, palette: paletteFor(chosen.season), color: fused?.color ?? null, from };
    if (fused) return { object: 'style_colors' as const, source: parts.length > 1 ? ('fused' as const) : ('single' as const), season: fused.color.season12.season, palette: paletteFor(fused.color.season12.season), color: fused.color, from };
    return { object: 'style_colors' as const, source: 'none' as const, season: null, palette: null, color: null, from };
  }

  async function presentFile(r: StyleUserFileRow, baseUrl: string | null) {
    const link = baseUrl !== null ? await ports.signedUrl(r.blobKey, r.contentType, baseUrl) : null;
    return {
      id: r.id,
      object: 'user_file' as const,
      kind: r.kind,
      content_type: r.contentType,
      width: r.width,
      height: r.height,
      bytes: r.bytes,
      url: link?.url ?? null,
      url_expires_at: link ? iso(link.expiresAt) : null,
      created_at: iso(r.createdAt),
      expires_at: iso(r.expiresAt),
    };
  }

  async function getFile(p: Person, id: string) {
    const row = await repo.findFile(db, p.tenantId, p.userId, id);
    if (!row || row.expiresAt.getTime() <= clock.now()) throw new AppError('USER_FILE_NOT_FOUND', `File ${id} not found.`);
    return row;
  }

  async function eraseFiles(rows: { id: string; blobKey: string }[]) {
    for (const r of rows) await blobs.delete(r.blobKey);
    await repo.deleteFiles(db, rows.map((r) => r.id));
  }

  const history = {
    async analyses(p: Person, q: { limit: number; startingAfter?: string | undefined }, baseUrl: string | null) {
      const page = await style.service.list(p.tenantId, endUserScope(p.userId), q);
      return { object: 'list' as const, data: await Promise.all(page.data.map((r) => style.service.present(r, baseUrl))), has_more: page.hasMore };
    },
    async quizResults(p: Person, q: { limit: number; startingAfter?: string | undefined }) {
      const page = await repo.listUserQuizResults(db, p.tenantId, p.userId, q);
      return { object: 'list' as const, data: page.data.map(presentQuizResult), has_more: page.hasMore };
    },
  };

  return {
    seasonOf,
    history,
    palette: {
      get: presentPalette,
      async put(p: Person, body: { season?: TSeason12 | undefined; analysis_id?: string | undefined; quiz_result_id?: string | undefined }) {
        const named = [body.season, body.analysis_id, body.quiz_result_id].filter((v) => v !== undefined).length;
        if (named !== 1) throw new AppError('VALIDATION_FAILED', 'Give exactly one of season, analysis_id or quiz_result_id.');
        const season = body.season ?? (await seasonOf(p, body));
        await repo.putProfile(db, {
          tenantId: p.tenantId,
          userId: p.userId,
          season,
          source: body.season ? 'season' : body.analysis_id ? 'analysis' : 'quiz_result',
          sourceId: body.analysis_id ?? body.quiz_result_id ?? null,
          updatedAt: new Date(clock.now()),
        });
        return presentPalette(p);
      },
      async clear(p: Person) {
        await repo.deleteProfile(db, p.tenantId, p.userId);
      },
    },
    myColors,
    saved: {
      async add(p: Person, productId: string) {
        const [found] = await ports.productColors(p.tenantId, [productId]);
        if (!found) throw new AppError('PRODUCT_NOT_FOUND', `Product ${productId} not found.`);
        const row = await repo.insertSavedProduct(db, { id: newId('savedProduct', clock.now()), tenantId: p.tenantId, userId: p.userId, productId, createdAt: new Date(clock.now()) });
        return { id: row.id, object: 'saved_product' as const, product_id: row.productId, created_at: iso(row.createdAt) };
      },
      /** The saved products, each with its colour match against the person's colours (null when they have none yet, or the product has no colour). */
      async list(p: Person, q: { limit: number; startingAfter?: string | undefined }) {
        const page = await repo.listSavedProducts(db, p.tenantId, p.userId, q);
        const colors = await myColors(p);
        const matches = new Map<string, TColorMatch>();
        if (colors.season && page.data.length > 0) {
          const m = await style.match.colorMatches(scope(p), { season: colors.season, product_ids: page.data.map((r) => r.productId) });
          for (const d of m.data) if (d.product_id) matches.set(d.product_id, d);
        }
        return {
          object: 'list' as const,
          season: colors.season,
          data: page.data.map((r) => ({ id: r.id, object: 'saved_product' as const, product_id: r.productId, created_at: iso(r.createdAt), match: matches.get(r.productId) ?? null })),
          has_more: page.hasMore,
        };
      },
      async remove(p: Person, productId: string) {
        if (!(await repo.deleteSavedProduct(db, p.tenantId, p.userId, productId))) throw new AppError('SAVED_PRODUCT_NOT_FOUND', `Product ${productId} is not saved.`);
      },
    },
    files: {
      async create(p: Person, file: { bytes: Buffer; kind: 'photo' | 'garment' }, baseUrl: string) {
        const type = sniffImageType(file.bytes);
        if (!type || !FILE_TYPES.has(type)) throw new AppError('UNSUPPORTED_IMAGE_TYPE', 'Files are JPEG, PNG or WebP images (the type is read from the bytes).');
        const img = await normalizeImage(file.bytes, { maxSide: deps.config.images.maxSide, maxInputPixels: deps.config.images.maxPixels, maxBytes: deps.config.images.maxBytes, keepAlpha: file.kind === 'garment' });
        const id = newId('userFile', clock.now());
        const ext = img.contentType === 'image/png' ? 'png' : img.contentType === 'image/webp' ? 'webp' : 'jpg';
        const key = `users/${p.tenantId}/${p.userId}/${id}.${ext}`;
        await blobs.put(key, img.bytes, img.contentType);
        const tenant = await ports.getTenant(p.tenantId);
        const now = clock.now();
        const row = await repo.insertFile(db, {
          id,
          tenantId: p.tenantId,
          userId: p.userId,
          kind: file.kind,
          blobKey: key,
          contentType: img.contentType,
          width: img.width,
          height: img.height,
          bytes: img.bytes.length,
          sha256: img.sha256,
          createdAt: new Date(now),
          expiresAt: new Date(now + ports.retentionMs[tenant.retention]),
        });
        return presentFile(row, baseUrl);
      },
      async list(p: Person, q: { limit: number; startingAfter?: string | undefined }, baseUrl: string) {
        const page = await repo.listFiles(db, p.tenantId, p.userId, q);
        const live = page.data.filter((r) => r.expiresAt.getTime() > clock.now());
        return { object: 'list' as const, data: await Promise.all(live.map((r) => presentFile(r, baseUrl))), has_more: page.hasMore };
      },
      get: async (p: Person, id: string, baseUrl: string) => presentFile(await getFile(p, id), baseUrl),
      async remove(p: Person, id: string) {
        await eraseFiles([await getFile(p, id)]);
      },
      /** Retention (the worker's maintenance): files past the tenant's retention, blob and row. */
      async purgeExpired(limit = 500) {
        const due = await repo.expiredFiles(db, new Date(clock.now()), limit);
        await eraseFiles(due);
        return due.length;
      },
    },
    /** The account's export (`data.style`): ids and answers, links not bytes. */
    async exportUser(tenantId: string, userId: string) {
      const p = { tenantId, userId };
      const all = async <T>(fetch: (after: string | undefined) => Promise<{ data: T[]; has_more: boolean }>, idOf: (x: T) => string) => {
        const out: T[] = [];
        for (let after: string | undefined; ; ) {
          const page = await fetch(after);
          out.push(...page.data);
          if (!page.has_more || page.data.length === 0) return out;
          after = idOf(page.data[page.data.length - 1]!);
        }
      };
      return {
        analyses: await all((a) => history.analyses(p, { limit: 100, startingAfter: a }, null), (x) => x.id),
        quiz_results: await all((a) => history.quizResults(p, { limit: 100, startingAfter: a }), (x) => x.id),
        palette: await presentPalette(p),
        saved_products: (await all((a) => repo.listSavedProducts(db, tenantId, userId, { limit: 100, startingAfter: a }).then((r) => ({ data: r.data, has_more: r.hasMore })), (x) => x.id)).map((r) => ({ id: r.id, product_id: r.productId, created_at: iso(r.createdAt) })),
        files: await Promise.all((await repo.allFiles(db, tenantId, userId)).map((r) => presentFile(r, null))),
      };
    },
    /** Erase the person's style data: analyses (and their selfies; feedback cascades), quiz results, choices, saved products, files. Idempotent. */
    async eraseUser(tenantId: string, userId: string) {
      for (const id of await repo.userAnalysisIds(db, tenantId, userId)) await style.service.erase(tenantId, id, null).catch(() => undefined);
      await repo.deleteUserQuizResults(db, tenantId, userId);
      await repo.deleteProfile(db, tenantId, userId);
      await repo.deleteSavedProducts(db, tenantId, userId);
      await eraseFiles(await repo.allFiles(db, tenantId, userId));
      await blobs.deletePrefix(`users/${tenantId}/${userId}/`).catch(() => 0);
    },
  };
}

export type StylePeople = ReturnType<typeof createStylePeople>;
