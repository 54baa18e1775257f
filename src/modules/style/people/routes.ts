/**
 * `/v1/account/style/…` and `/v1/account/files`: a signed-in end user's own style data (auth
 * `end_user`: their token alone, or a key plus `probador-user-token`). No user id in the paths:
 * the caller's own only; another user's ids are 404.
 */
import Type from 'typebox';
import type { FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { IdParam, ListQuery, listOf, problemResponses } from '../../../../contracts/common.js';
import { ColorAnswer, ColorMatch, Palette, QuizResult, Season12 } from '../../../../contracts/style.js';
import { endUserPrincipal } from '../../../platform/http/principal.js';
import type { App } from '../../../platform/http/types.js';
import type { Config } from '../../../config.js';
import type { Person, StylePeople } from './service.js';
import { readUserFileUpload } from './upload.js';

const tags = ['account'];
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const ProductId = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' });

const PaletteChoice = Type.Object({
  object: Type.Literal('style_palette_choice'),
  season: Nullable(Season12),
  source: Nullable(Type.Enum(['season', 'analysis', 'quiz_result'])),
  source_id: Nullable(Type.String()),
  palette: Nullable(Palette),
  updated_at: Nullable(Type.String({ format: 'date-time' })),
});
const PutPaletteBody = Type.Object(
  {
    season: Type.Optional(Season12),
    analysis_id: Type.Optional(Type.String({ pattern: '^sta_[0-9A-Za-z]{1,64}$', maxLength: 80 })),
    quiz_result_id: Type.Optional(Type.String({ pattern: '^qzr_[0-9A-Za-z]{1,64}$', maxLength: 80 })),
  },
  { additionalProperties: false, description: 'Exactly one: a season, or one of your analyses or quiz results (its season is kept).' },
);
const MyColors = Type.Object({
  object: Type.Literal('style_colors'),
  source: Type.Enum(['chosen', 'fused', 'single', 'none']),
  season: Nullable(Season12),
  palette: Nullable(Palette),
  color: Nullable(ColorAnswer),
  from: Type.Array(Type.String()),
});
const SavedProduct = Type.Object({ id: Type.String(), object: Type.Literal('saved_product'), product_id: Type.String(), created_at: Type.String({ format: 'date-time' }), match: Type.Optional(Nullable(ColorMatch)) });
const UserFile = Type.Object({
  id: Type.String({ description: '`ufl_…`' }),
  object: Type.Literal('user_file'),
  kind: Type.Enum(['photo', 'garment']),
  content_type: Type.String(),
  width: Type.Integer(),
  height: Type.Integer(),
  bytes: Type.Integer(),
  url: Nullable(Type.String()),
  url_expires_at: Nullable(Type.String({ format: 'date-time' })),
  created_at: Type.String({ format: 'date-time' }),
  expires_at: Type.String({ format: 'date-time' }),
});

const person = (req: FastifyRequest): Person => {
  const p = endUserPrincipal(req.principal);
  return { tenantId: p.tenantId, userId: p.userId };
};
const page = (q: { limit: number; starting_after?: string | undefined }) => ({ limit: q.limit, startingAfter: q.starting_after });
const auth = { auth: 'end_user' as const };

export async function stylePeopleRoutes(app: App, { people, config }: { people: StylePeople; config: Config }) {
  const link = () => app.linkBase();

  app.get('/v1/account/style/analyses', { config: auth, schema: { tags, summary: 'Your style analyses, newest first', querystring: ListQuery, response: { 200: listOf(Type.Ref('StyleAnalysis')), ...problemResponses(400, 401) } } }, async (req) =>
    people.history.analyses(person(req), page(req.query), link()),
  );
  app.get('/v1/account/style/quiz-results', { config: auth, schema: { tags, summary: 'Your colour quiz results, newest first', querystring: ListQuery, response: { 200: listOf(QuizResult), ...problemResponses(400, 401) } } }, async (req) =>
    people.history.quizResults(person(req), page(req.query)),
  );
  app.get('/v1/account/style/palette', { config: auth, schema: { tags, summary: 'The palette you chose (season null when none)', response: { 200: PaletteChoice, ...problemResponses(401) } } }, async (req) => people.palette.get(person(req)));
  app.put(
    '/v1/account/style/palette',
    { config: auth, schema: { tags, summary: 'Choose your palette: a season, or one of your analyses or quiz results', body: PutPaletteBody, response: { 200: PaletteChoice, ...problemResponses(400, 401, 404) } } },
    async (req) => people.palette.put(person(req), req.body),
  );
  app.delete('/v1/account/style/palette', { config: auth, schema: { tags, summary: 'Forget the palette you chose', response: { 204: Type.Null(), ...problemResponses(401) } } }, async (req, reply) => {
    await people.palette.clear(person(req));
    return reply.code(204).send(null);
  });
  app.get(
    '/v1/account/style/colors',
    {
      config: auth,
      schema: {
        tags,
        summary: 'My colours: the palette you chose, else your analyses and quiz results fused into one answer',
        description: '`source`: `chosen` (your choice; `color` is still the fused answer when there is one), `fused` (several answers), `single` (one), `none` (nothing yet). `from` lists the answers used, newest photo first.',
        response: { 200: MyColors, ...problemResponses(401) },
      },
    },
    async (req) => people.myColors(person(req)),
  );

  app.post(
    '/v1/account/style/saved-products',
    { config: auth, schema: { tags, summary: 'Save a catalog product (saving it again is the same saved product)', body: Type.Object({ product_id: ProductId }, { additionalProperties: false }), response: { 201: SavedProduct, ...problemResponses(400, 401, 404) } } },
    async (req, reply) => reply.code(201).send(await people.saved.add(person(req), req.body.product_id)),
  );
  app.get(
    '/v1/account/style/saved-products',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Your saved products, newest first, each with its colour score against your colours (`match` null without colours or a product colour)',
        querystring: ListQuery,
        response: { 200: Type.Object({ object: Type.Literal('list'), season: Nullable(Season12), data: Type.Array(SavedProduct), has_more: Type.Boolean() }), ...problemResponses(400, 401) },
      },
    },
    async (req) => people.saved.list(person(req), page(req.query)),
  );
  app.delete(
    '/v1/account/style/saved-products/:product_id',
    { config: auth, schema: { tags, summary: 'Remove a saved product', params: Type.Object({ product_id: ProductId }), response: { 204: Type.Null(), ...problemResponses(400, 401, 404) } } },
    async (req, reply) => {
      await people.saved.remove(person(req), req.params.product_id);
      return reply.code(204).send(null);
    },
  );

  const FileParams = IdParam('file_id', 'ufl');
  await app.register(async (scope: App) => {
    await scope.register(multipart, { limits: { fileSize: config.images.maxBytes, files: 1 } });
    scope.post(
      '/v1/account/files',
      {
        config: auth,
        bodyLimit: config.images.maxBytes + 64 * 1024,
        schema: {
          tags,
          summary: 'Upload a file: a photo of yourself or a garment you own (multipart: the image in `file`, `kind` photo|garment)',
          description: 'JPEG, PNG or WebP, read from the bytes (the declared type is not trusted), up to the upload size limit; normalised (metadata dropped) and kept for the store\'s retention.',
          consumes: ['multipart/form-data'],
          response: { 201: UserFile, ...problemResponses(400, 401, 413, 415, 422) },
        },
      },
      async (req, reply) => {
        const { bytes, kind } = await readUserFileUpload(req, { maxBytes: config.images.maxBytes, otherFields: 'refuse' });
        const file = await people.files.create(person(req), { bytes, kind }, link());
        return reply.code(201).header('location', `/v1/account/files/${file.id}`).send(file);
      },
    );
  });
  app.get('/v1/account/files', { config: auth, schema: { tags, summary: 'Your files, newest first, with short-lived links', querystring: ListQuery, response: { 200: listOf(UserFile), ...problemResponses(400, 401) } } }, async (req) =>
    people.files.list(person(req), page(req.query), link()),
  );
  app.get('/v1/account/files/:file_id', { config: auth, schema: { tags, summary: 'One of your files, with a short-lived link', params: FileParams, response: { 200: UserFile, ...problemResponses(400, 401, 404) } } }, async (req) =>
    people.files.get(person(req), req.params.file_id, link()),
  );
  app.delete('/v1/account/files/:file_id', { config: auth, schema: { tags, summary: 'Delete one of your files (the image and the record)', params: FileParams, response: { 204: Type.Null(), ...problemResponses(400, 401, 404) } } }, async (req, reply) => {
    await people.files.remove(person(req), req.params.file_id);
    return reply.code(204).send(null);
  });
}
