/**
 * The colour quiz: its public form (`GET /v1/style/quiz`) and its scoring. A quiz starts at the
 * middle of the axes (neutral temperature, medium value and chroma), adds each answer's effect
 * (quiz-data.ts) and clamps to the axes' ranges; the same classifier as a photo names the season.
 *
 * How sure a quiz is (its certainty, which flattens the confidences):
 *   certainty = MAX_QUIZ_CERTAINTY × √completeness × (0.3 + 0.7 × consistency)
 * - completeness: the share of the questions answered;
 * - consistency: per axis, |Σ effects| / Σ |effects| (1 when every answer pushes the same way,
 *   0 when they cancel), averaged over the axes weighted by how much was said about each.
 * A self-reported quiz is never as sure as a good photo could be: MAX_QUIZ_CERTAINTY = 0.8.
 */
import type { Static } from 'typebox';
import type { Quiz, QuizQuestion, TColorAnswer } from '../../../contracts/style.js';
import { AppError } from '../../platform/errors.js';
import type { Axes } from './seasons.js';
import { QUESTIONS, QUIZ_VERSION, type QuizOption, type QuizQuestionData } from './quiz-data.js';
import { colorAnswerFromAxes } from './fusion.js';

export const MAX_QUIZ_CERTAINTY = 0.8;
const START: Axes = { temperature: 0, value: 0.5, chroma: 0.5 };
const AXES = ['temperature', 'value', 'chroma'] as const;

const BY_ID = new Map<string, { q: QuizQuestionData; options: Map<string, QuizOption> }>(QUESTIONS.map((q) => [q.id, { q, options: new Map(q.options.map((o) => [o.id, o])) }]));

/** The quiz as the API shows it (effects stay on the server; docs/architecture.md states them). */
export function publicQuiz(): Static<typeof Quiz> {
  return {
    object: 'style_quiz',
    version: QUIZ_VERSION,
    questions: QUESTIONS.map((q): Static<typeof QuizQuestion> => {
      const moved = new Set<Static<typeof QuizQuestion>['axes'][number]>();
      for (const o of q.options) {
        for (const k of AXES) if (o.effect[k]) moved.add(k);
        if (o.contrast) moved.add('contrast');
      }
      return { id: q.id, text: { en: q.en, es: q.es }, axes: [...moved], options: q.options.map((o) => ({ id: o.id, text: { en: o.en, es: o.es } })) };
    }),
  };
}

export type QuizAnswer = { question: string; option: string };

export type QuizScore = {
  axes: Axes;
  certainty: number;
  completeness: number;
  consistency: number;
  contrast: TColorAnswer['contrast'] | undefined;
  olive: boolean;
  answered: string[];
};

/** Score the answers; an unknown question or option, or a question answered twice, is 400 QUIZ_ANSWER_INVALID. */
export function scoreQuiz(answers: QuizAnswer[]): QuizScore {
  const seen = new Set<string>();
  const sum = { temperature: 0, value: 0, chroma: 0 };
  const abs = { temperature: 0, value: 0, chroma: 0 };
  let contrast: TColorAnswer['contrast'] | undefined;
  let olive = false;
  for (const [i, a] of answers.entries()) {
    const entry = BY_ID.get(a.question);
    if (!entry) throw new AppError('QUIZ_ANSWER_INVALID', `answers[${i}]: there is no question "${a.question}" (GET /v1/style/quiz lists them).`);
    const option = entry.options.get(a.option);
    if (!option) throw new AppError('QUIZ_ANSWER_INVALID', `answers[${i}]: question "${a.question}" has no option "${a.option}" (it has ${[...entry.options.keys()].join(', ')}).`);
    if (seen.has(a.question)) throw new AppError('QUIZ_ANSWER_INVALID', `answers[${i}]: question "${a.question}" is answered twice.`);
    seen.add(a.question);
    for (const k of AXES) {
      const e = option.effect[k] ?? 0;
      sum[k] += e;
      abs[k] += Math.abs(e);
    }
    if (option.contrast) contrast = option.contrast;
    if (option.olive) olive = true;
  }
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  const axes: Axes = {
    temperature: clamp(START.temperature + sum.temperature, -1, 1),
    value: clamp(START.value + sum.value, 0, 1),
    chroma: clamp(START.chroma + sum.chroma, 0, 1),
  };
  const said = AXES.reduce((a, k) => a + abs[k], 0);
  // Nothing said on any axis (every answer "can't tell"): consistent, but it knows nothing.
  const consistency = said === 0 ? 1 : AXES.reduce((a, k) => a + Math.abs(sum[k]), 0) / said;
  const completeness = seen.size / QUESTIONS.length;
  const informative = said === 0 ? 0.25 : 1;
  const certainty = MAX_QUIZ_CERTAINTY * Math.sqrt(completeness) * (0.3 + 0.7 * consistency) * informative;
  return { axes, certainty, completeness, consistency, contrast, olive, answered: [...seen] };
}

/** The quiz's colour answer: no measured colours, no white balance. */
export function quizColorAnswer(score: QuizScore): TColorAnswer {
  return colorAnswerFromAxes({ axes: score.axes, certainty: score.certainty, contrast: score.contrast, olive: score.olive, answered: score.answered });
}
