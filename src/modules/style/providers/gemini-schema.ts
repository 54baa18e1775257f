/**
 * What the Gemini style adapter asks the model for: our answer's enum fields and numbers, minus
 * free text (contracts/style.ts), written once in TypeBox. The same schema validates the answer
 * (typebox/value) and, converted by `toGeminiSchema`, is sent as `responseSchema` (the OpenAPI
 * subset generateContent takes: type, enum, properties, required, propertyOrdering, items,
 * minItems, maxItems, minimum, maximum, nullable, description).
 *
 * Only the kinds asked for are in it (a schema costs input tokens). Axes in our ranges:
 * temperature −1 (cool) … 1 (warm), value 0 (deep) … 1 (light), chroma 0 (soft) … 1 (clear).
 */
import Type, { type Static, type TSchema } from 'typebox';
import { ANALYSIS_KINDS, FACE_SHAPES, RETAKE_CODES, SEASONS_12, UNDERTONES, type TAnalysisKind } from '../../../../contracts/style.js';

const HexOrNull = (what: string) =>
  Type.Union([Type.String({ pattern: '^#[0-9a-fA-F]{6}$', description: `${what} as sRGB #rrggbb, sampled from the photo` }), Type.Null()], {
    description: `null when the ${what.toLowerCase()} is not visible`,
  });
const Unit = (description: string) => Type.Number({ minimum: 0, maximum: 1, description });

export const GeminiFace = Type.Object({
  shape_scores: Type.Object(Object.fromEntries(FACE_SHAPES.map((s) => [s, Unit(`how well the face fits ${s}`)])) as Record<(typeof FACE_SHAPES)[number], ReturnType<typeof Unit>>, {
    description: 'A score 0–1 for each of the seven face shapes',
  }),
  measurements: Type.Object(
    {
      length_to_cheek: Type.Number({ minimum: 0.8, maximum: 2.2, description: 'face length (hairline to chin) / cheekbone width' }),
      forehead_to_cheek: Type.Number({ minimum: 0.5, maximum: 1.4, description: 'forehead width / cheekbone width' }),
      jaw_to_cheek: Type.Number({ minimum: 0.4, maximum: 1.3, description: 'jaw width / cheekbone width' }),
      jaw_angle_deg: Type.Number({ minimum: 90, maximum: 175, description: 'angle at the jaw corner, degrees' }),
      chin_angle_deg: Type.Number({ minimum: 60, maximum: 175, description: 'angle at the chin, degrees' }),
      roll_deg: Type.Number({ minimum: -60, maximum: 60, description: 'head roll (tilt), degrees, positive clockwise' }),
    },
    { description: 'Ratios and angles estimated on the photo' },
  ),
});

const Season = Type.Enum(SEASONS_12);

export const GeminiColor = Type.Object({
  undertone: Type.Enum(UNDERTONES),
  depth: Type.Enum(['light', 'medium', 'deep']),
  chroma: Type.Enum(['soft', 'medium', 'clear']),
  contrast: Type.Enum(['low', 'medium', 'high']),
  season12: Season,
  top3: Type.Array(Season, { minItems: 3, maxItems: 3, description: 'The three most likely seasons, most likely first' }),
  axes: Type.Object({
    temperature: Type.Number({ minimum: -1, maximum: 1, description: '-1 cool … 1 warm' }),
    value: Type.Number({ minimum: 0, maximum: 1, description: '0 deep … 1 light' }),
    chroma: Type.Number({ minimum: 0, maximum: 1, description: '0 soft/muted … 1 clear/bright' }),
  }),
  measured: Type.Object({ skin: HexOrNull('Skin (cheeks)'), eyes: HexOrNull('Iris'), lips: HexOrNull('Lips'), hair: HexOrNull('Hair') }),
});

export const GeminiQuality = Type.Object({
  score: Unit('How far the photo can be trusted for this analysis (sharpness, exposure, pose, light)'),
  issues: Type.Array(
    Type.Object({
      code: Type.Enum(RETAKE_CODES),
      severity: Type.Enum(['error', 'warning'], { description: 'error: the affected answer cannot be given; warning: it can, with less confidence' }),
      affects: Type.Array(Type.Enum(ANALYSIS_KINDS), { minItems: 1, maxItems: 2 }),
    }),
    { maxItems: 12 },
  ),
});

/** The answer's schema for these kinds; a kind's answer is null when an error-severity issue withholds it. */
export function geminiAnswerSchema(kinds: readonly TAnalysisKind[]) {
  return Type.Object({
    ...(kinds.includes('face') ? { face: Type.Union([GeminiFace, Type.Null()]) } : {}),
    ...(kinds.includes('color') ? { color: Type.Union([GeminiColor, Type.Null()]) } : {}),
    quality: GeminiQuality,
  });
}

export type TGeminiFace = Static<typeof GeminiFace>;
export type TGeminiColor = Static<typeof GeminiColor>;
export type TGeminiQuality = Static<typeof GeminiQuality>;
export type TGeminiAnswer = { face?: TGeminiFace | null; color?: TGeminiColor | null; quality: TGeminiQuality };

type Json = Record<string, unknown>;

/**
 * A TypeBox (JSON Schema) schema as generateContent's `responseSchema`: types upper-case, a union
 * with null as `nullable`, `propertyOrdering` in declaration order (the model writes fields in
 * that order), patterns left out (checked on our side).
 */
export function toGeminiSchema(schema: TSchema): Json {
  const s = schema as Json;
  const description = typeof s.description === 'string' ? { description: s.description } : {};
  if (Array.isArray(s.anyOf)) {
    const options = s.anyOf as Json[];
    const nonNull = options.filter((o) => o.type !== 'null');
    if (nonNull.length === 1 && options.length === 2) return { ...toGeminiSchema(nonNull[0] as TSchema), ...description, nullable: true };
    return { anyOf: options.map((o) => toGeminiSchema(o as TSchema)), ...description };
  }
  if (Array.isArray(s.enum)) return { type: 'STRING', enum: s.enum, ...description };
  switch (s.type) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, TSchema>;
      const names = Object.keys(props);
      return {
        type: 'OBJECT',
        properties: Object.fromEntries(names.map((n) => [n, toGeminiSchema(props[n]!)])),
        required: (s.required as string[] | undefined) ?? [],
        propertyOrdering: names,
        ...description,
      };
    }
    case 'array':
      return {
        type: 'ARRAY',
        items: toGeminiSchema(s.items as TSchema),
        ...(typeof s.minItems === 'number' ? { minItems: s.minItems } : {}),
        ...(typeof s.maxItems === 'number' ? { maxItems: s.maxItems } : {}),
        ...description,
      };
    case 'number':
    case 'integer':
      return {
        type: s.type === 'number' ? 'NUMBER' : 'INTEGER',
        ...(typeof s.minimum === 'number' ? { minimum: s.minimum } : {}),
        ...(typeof s.maximum === 'number' ? { maximum: s.maximum } : {}),
        ...description,
      };
    case 'string':
      return { type: 'STRING', ...description };
    case 'boolean':
      return { type: 'BOOLEAN', ...description };
    default:
      throw new Error(`toGeminiSchema: unsupported schema ${JSON.stringify(s).slice(0, 80)}`);
  }
}
