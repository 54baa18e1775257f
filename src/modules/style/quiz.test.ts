/** The quiz's data and scoring, the fusion of a photo answer with a quiz, and the tie-break questions (pure functions). */
import { describe, expect, it } from 'vitest';
import { SEASONS_12, type TColorAnswer } from '../../../contracts/style.js';
import { AppError } from '../../platform/errors.js';
import { PROTOTYPES, classify } from './seasons.js';
import { QUESTIONS } from './quiz-data.js';
import { publicQuiz, quizColorAnswer, scoreQuiz, MAX_QUIZ_CERTAINTY, type QuizAnswer } from './quiz.js';
import { certaintyOf, colorAnswerFromAxes, fuseColorAnswers } from './fusion.js';
import { TIE_GAP, closeSeasons, separatingQuestions, tieBreakers } from './tie-breakers.js';

const answers = (pairs: Record<string, string>): QuizAnswer[] => Object.entries(pairs).map(([question, option]) => ({ question, option }));

/** A cool, light, soft-leaning person answering every question consistently. */
const LIGHT_SUMMER = answers({
  veins: 'blue_purple',
  jewellery: 'silver',
  sun: 'burns',
  hair: 'ash_blonde',
  eyes: 'light_blue_grey',
  contrast: 'low',
  white_cream: 'same',
  black_brown: 'neither',
  skin: 'fair',
  compliments: 'pastel',
  coral_fuchsia: 'fuchsia',
});
/** Warm, deep, rich. */
const DEEP_AUTUMN = answers({
  veins: 'green',
  jewellery: 'gold',
  sun: 'rarely_burns',
  hair: 'dark_brown',
  eyes: 'dark_brown',
  contrast: 'medium',
  white_cream: 'cream',
  black_brown: 'brown',
  skin: 'tan',
  compliments: 'dark_rich',
  coral_fuchsia: 'coral',
});
/** Cool, clear, high contrast. */
const BRIGHT_WINTER = answers({ veins: 'mixed', jewellery: 'both', hair: 'black', eyes: 'bright_blue', contrast: 'high', white_cream: 'white', black_brown: 'black', skin: 'fair', compliments: 'bright', coral_fuchsia: 'fuchsia' });

describe('quiz data', () => {
  it('every question and option has English and Spanish text, unique ids, and effects within the axes’ ranges', () => {
    expect(QUESTIONS.length).toBeGreaterThanOrEqual(8);
    expect(new Set(QUESTIONS.map((q) => q.id)).size).toBe(QUESTIONS.length);
    for (const q of QUESTIONS) {
      expect(q.en.trim().length, q.id).toBeGreaterThan(10);
      expect(q.es.trim().length, q.id).toBeGreaterThan(10);
      expect(q.en).not.toBe(q.es);
      expect(q.options.length, q.id).toBeGreaterThanOrEqual(2);
      expect(new Set(q.options.map((o) => o.id)).size).toBe(q.options.length);
      for (const o of q.options) {
        expect(o.en.trim() && o.es.trim(), `${q.id}.${o.id}`).toBeTruthy();
        for (const [k, v] of Object.entries(o.effect)) {
          expect(['temperature', 'value', 'chroma']).toContain(k);
          expect(Math.abs(v!), `${q.id}.${o.id}.${k}`).toBeGreaterThan(0);
          expect(Math.abs(v!), `${q.id}.${o.id}.${k}`).toBeLessThanOrEqual(0.3);
        }
      }
      // A question whose options all move the axes the same way tells nothing.
      const keys = q.options.map((o) => JSON.stringify(o.effect));
      expect(new Set(keys).size, q.id).toBeGreaterThan(1);
    }
    // The signs the issue names are asked.
    for (const id of ['veins', 'jewellery', 'sun', 'hair', 'eyes', 'contrast', 'white_cream', 'black_brown']) expect(QUESTIONS.map((q) => q.id)).toContain(id);
  });

  it('the public quiz lists questions and options in both languages and the axes each moves, without the effects', () => {
    const quiz = publicQuiz();
    expect(quiz).toMatchObject({ object: 'style_quiz', version: '1' });
    expect(quiz.questions.map((q) => q.id)).toEqual(QUESTIONS.map((q) => q.id));
    expect(quiz.questions.find((q) => q.id === 'veins')!.axes).toEqual(['temperature']);
    expect(quiz.questions.find((q) => q.id === 'contrast')!.axes.sort()).toEqual(['chroma', 'contrast']);
    expect(JSON.stringify(quiz)).not.toContain('effect');
  });
});

describe('quiz scoring', () => {
  it('consistent answers land on the season they describe, with the quiz’s highest certainty', () => {
    const cases: [QuizAnswer[], string][] = [
      [LIGHT_SUMMER, 'light_summer'],
      [DEEP_AUTUMN, 'deep_autumn'],
      [BRIGHT_WINTER, 'bright_winter'],
    ];
    for (const [a, season] of cases) {
      const s = scoreQuiz(a);
      const c = quizColorAnswer(s);
      expect(c.season12.season, season).toBe(season);
      expect(c.top3[0]!.season).toBe(season);
      expect(c.palette.season).toBe(season);
      expect(c.measured).toBeNull();
      expect(c.white_balance.method).toBe('none');
      expect(s.consistency, season).toBeGreaterThan(0.8);
    }
    const ls = quizColorAnswer(scoreQuiz(LIGHT_SUMMER));
    expect(ls).toMatchObject({ undertone: 'cool', depth: 'light', contrast: 'low' });
    expect(quizColorAnswer(scoreQuiz(DEEP_AUTUMN))).toMatchObject({ undertone: 'warm', depth: 'deep', season4: { season: 'autumn' } });
    expect(quizColorAnswer(scoreQuiz(BRIGHT_WINTER))).toMatchObject({ undertone: 'cool', chroma: 'clear', contrast: 'high' });
    expect(scoreQuiz(LIGHT_SUMMER).certainty).toBeGreaterThan(0.75 * MAX_QUIZ_CERTAINTY);
  });

  it('fewer answers or contradicting answers are less sure', () => {
    const full = scoreQuiz(DEEP_AUTUMN);
    const few = scoreQuiz(DEEP_AUTUMN.slice(0, 3));
    expect(few.completeness).toBeLessThan(full.completeness);
    expect(few.certainty).toBeLessThan(full.certainty);
    // Warm signs and cool signs together: temperature cancels.
    const mixed = scoreQuiz(answers({ veins: 'green', jewellery: 'silver', coral_fuchsia: 'coral', white_cream: 'white', hair: 'golden_blonde', eyes: 'bright_blue', skin: 'fair', sun: 'burns', contrast: 'medium', compliments: 'pastel', black_brown: 'black' }));
    expect(mixed.completeness).toBe(1);
    expect(mixed.consistency).toBeLessThan(0.7);
    expect(mixed.certainty).toBeLessThan(full.certainty);
    expect(quizColorAnswer(mixed).season12.confidence).toBeLessThan(quizColorAnswer(full).season12.confidence);
    // Every answer "can't tell": it knows nothing, so it is barely above chance.
    const none = scoreQuiz(answers({ veins: 'mixed', jewellery: 'both', coral_fuchsia: 'both' }));
    expect(quizColorAnswer(none).season12.confidence).toBeLessThan(0.2);
  });

  it('refuses an unknown question, an unknown option, and a question answered twice (400 QUIZ_ANSWER_INVALID)', () => {
    const code = (a: QuizAnswer[]) => {
      try {
        scoreQuiz(a);
        return 'accepted';
      } catch (e) {
        return e instanceof AppError ? `${e.status} ${e.code}` : String(e);
      }
    };
    expect(code([{ question: 'zodiac', option: 'leo' }])).toBe('400 QUIZ_ANSWER_INVALID');
    expect(code([{ question: 'veins', option: 'red' }])).toBe('400 QUIZ_ANSWER_INVALID');
    expect(code([{ question: 'veins', option: 'green' }, { question: 'veins', option: 'blue_purple' }])).toBe('400 QUIZ_ANSWER_INVALID');
    expect(code([{ question: 'veins', option: 'green' }])).toBe('accepted');
  });
});

/** A photo's colour answer at a point, classified with a given certainty (as the photo analyser does). */
function photoAnswer(axes: { temperature: number; value: number; chroma: number }, certainty: number): TColorAnswer {
  return {
    ...colorAnswerFromAxes({ axes, certainty }),
    measured: { skin: { hex: '#d9b59a', lab: { l: 76, a: 8, b: 17 }, ita: 58, ita_category: 'very_light', hue_angle: 65, chroma: 19, monk: 3 }, eyes: null, lips: null, hair: null },
    white_balance: { method: 'sclera', gains: { r: 1, g: 1.02, b: 1.05 }, cast_strength: 2.1 },
  };
}

describe('fusion', () => {
  it('reads back the certainty an answer was classified with', () => {
    for (const c of [0.2, 0.5, 0.9]) expect(certaintyOf(colorAnswerFromAxes({ axes: PROTOTYPES.soft_autumn, certainty: c }))).toBeCloseTo(c, 2);
  });

  it('moves toward the more confident source, is marked fused, and keeps the photo’s measured colours', () => {
    const quiz = scoreQuiz(LIGHT_SUMMER);
    const quizColor = quizColorAnswer(quiz);
    const q = { color: quizColor, certainty: quiz.certainty, olive: quiz.olive, answered: quiz.answered };
    const towardPhoto = (photoCertainty: number) => {
      const photo = photoAnswer(PROTOTYPES.true_autumn, photoCertainty);
      const f = fuseColorAnswers(photo, q);
      const d = (x: { temperature: number }) => Math.abs(x.temperature - photo.axes.temperature);
      // How far along from the quiz's temperature to the photo's the fused one is (0 = quiz, 1 = photo).
      return { share: 1 - d(f.color.axes) / d(quizColor.axes), f, photo };
    };
    const sure = towardPhoto(0.95);
    const unsure = towardPhoto(0.15);
    expect(sure.share).toBeGreaterThan(0.5);
    expect(unsure.share).toBeLessThan(0.5);
    expect(sure.share).toBeGreaterThan(unsure.share);
    // Weighted by confidence, as fuseAxes: w_photo / (w_photo + w_quiz).
    expect(sure.share).toBeCloseTo(sure.f.weights.photo / (sure.f.weights.photo + sure.f.weights.quiz), 2);
    expect(sure.f.color.measured).toEqual(sure.photo.measured);
    expect(sure.f.color.white_balance.method).toBe('sclera');
    // Two sources agreeing are surer than either alone.
    const agree = fuseColorAnswers(photoAnswer(PROTOTYPES.light_summer, 0.6), q);
    expect(agree.color.season12.season).toBe('light_summer');
    expect(agree.certainty).toBeGreaterThan(Math.max(0.6, quiz.certainty));
    expect(agree.color.season12.confidence).toBeGreaterThan(quizColor.season12.confidence);
  });
});

describe('tie-breakers', () => {
  it('two close seasons → the questions that separate them; a clear answer → none', () => {
    // Halfway between true summer and true winter: they differ in chroma and value, not temperature.
    const a = PROTOTYPES.true_summer;
    const b = PROTOTYPES.true_winter;
    const mid = { temperature: (a.temperature + b.temperature) / 2, value: (a.value + b.value) / 2, chroma: (a.chroma + b.chroma) / 2 };
    const c = closeSeasons(mid);
    expect(new Set([c.first, c.second])).toEqual(new Set(['true_summer', 'true_winter']));
    expect(c.close).toBe(true);
    const asked = tieBreakers({ axes: mid });
    expect(asked.length).toBeGreaterThanOrEqual(1);
    expect(asked.length).toBeLessThanOrEqual(2);
    // Chroma questions separate them; the temperature-only questions would not.
    expect(['compliments', 'contrast']).toContain(asked[0]);
    expect(asked).not.toContain('veins');
    expect(asked).not.toContain('jewellery');

    // Soft summer and light summer differ in value (and chroma): the skin-depth question first.
    const ls = PROTOTYPES.light_summer;
    const ss = PROTOTYPES.soft_summer;
    expect(tieBreakers({ axes: { temperature: (ls.temperature + ss.temperature) / 2, value: (ls.value + ss.value) / 2, chroma: (ls.chroma + ss.chroma) / 2 } })[0]).toBe('skin');
    // Soft autumn and soft summer differ in temperature: the warm/cool questions.
    const sa = PROTOTYPES.soft_autumn;
    expect(tieBreakers({ axes: { temperature: (sa.temperature + ss.temperature) / 2, value: (sa.value + ss.value) / 2, chroma: (sa.chroma + ss.chroma) / 2 } })).toEqual(['veins', 'jewellery']);
    for (const s of SEASONS_12) expect(tieBreakers({ axes: PROTOTYPES[s] }), s).toEqual([]);
    expect(classify(PROTOTYPES.deep_winter, 1).ranked[1]!.distance - classify(PROTOTYPES.deep_winter, 1).ranked[0]!.distance).toBeGreaterThan(TIE_GAP);
  });

  it('a question already answered is not asked again; the quiz result names the rest', () => {
    const sep = separatingQuestions('true_summer', 'true_winter');
    const first = sep[0]!.id;
    expect(separatingQuestions('true_summer', 'true_winter', [first]).map((q) => q.id)).not.toContain(first);
    // Cool, fair, muted: between soft summer and light summer, which differ in depth. The skin
    // question is answered, so the next ones that tell depth are named.
    const s = scoreQuiz(answers({ veins: 'blue_purple', skin: 'fair', compliments: 'muted' }));
    const color = quizColorAnswer(s);
    expect(color.top3.slice(0, 2).map((t) => t.season).sort()).toEqual(['light_summer', 'soft_summer']);
    expect(color.tie_breakers).toEqual(['hair', 'sun']);
    expect(separatingQuestions('light_summer', 'soft_summer')[0]!.id).toBe('skin');
    const clear = quizColorAnswer(scoreQuiz(DEEP_AUTUMN));
    expect(clear.tie_breakers).toEqual([]);
  });
});
