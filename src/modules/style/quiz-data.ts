/**
 * The colour quiz as data: questions in English and Spanish and, for each option, how far it moves
 * the season axes (temperature −1 cool … 1 warm; value 0 deep … 1 light; chroma 0 soft … 1 clear).
 * A quiz starts at the middle (0, 0.5, 0.5) and adds the effects of its answers (quiz.ts).
 *
 * The sizes follow how telling each sign is in colour analysis: the vein colour, the jewellery that
 * flatters and coral-versus-fuchsia speak most for temperature (±0.25–0.3); skin depth and natural
 * hair colour for value (up to ±0.3); the hair/skin contrast and the colours that draw compliments
 * for chroma (±0.2–0.25). "Both" or "can't tell" moves nothing: it is an answer, not evidence.
 */

export type Effect = { temperature?: number; value?: number; chroma?: number };
export type QuizOption = {
  id: string;
  en: string;
  es: string;
  effect: Effect;
  /** Sets the answer's contrast (the contrast question). */
  contrast?: 'low' | 'medium' | 'high';
  /** Skin with an olive (greenish) cast: the undertone is olive unless the answers are clearly cool. */
  olive?: boolean;
};
export type QuizQuestionData = { id: string; en: string; es: string; options: QuizOption[] };

export const QUIZ_VERSION = '1';

export const QUESTIONS: readonly QuizQuestionData[] = [
  {
    id: 'veins',
    en: 'Look at the veins on the inside of your wrist in daylight. What colour do they look?',
    es: 'Mira las venas de la cara interna de tu muñeca con luz natural. ¿De qué color se ven?',
    options: [
      { id: 'blue_purple', en: 'Blue or purple', es: 'Azules o moradas', effect: { temperature: -0.3 } },
      { id: 'green', en: 'Green or olive', es: 'Verdes u oliva', effect: { temperature: 0.3 } },
      { id: 'mixed', en: 'A mix of both, or hard to tell', es: 'Una mezcla de ambos, o no sabría decir', effect: {} },
    ],
  },
  {
    id: 'jewellery',
    en: 'Which jewellery flatters your skin more?',
    es: '¿Qué joyas favorecen más a tu piel?',
    options: [
      { id: 'silver', en: 'Silver or platinum', es: 'Plata o platino', effect: { temperature: -0.3 } },
      { id: 'gold', en: 'Gold', es: 'Oro', effect: { temperature: 0.3 } },
      { id: 'both', en: 'Both look good', es: 'Las dos me quedan bien', effect: {} },
    ],
  },
  {
    id: 'sun',
    en: 'How does your skin react to the sun without protection?',
    es: '¿Cómo reacciona tu piel al sol sin protección?',
    options: [
      { id: 'burns', en: 'It burns easily and rarely tans', es: 'Me quemo con facilidad y casi nunca me bronceo', effect: { value: 0.15, temperature: -0.1 } },
      { id: 'burns_then_tans', en: 'It burns first, then tans', es: 'Primero me quemo y luego me bronceo', effect: { value: 0.05 } },
      { id: 'tans_golden', en: 'It tans easily to a golden brown', es: 'Me bronceo con facilidad, en un tono dorado', effect: { temperature: 0.15, value: -0.05 } },
      { id: 'rarely_burns', en: 'It rarely burns and tans deeply', es: 'Casi nunca me quemo y me bronceo mucho', effect: { value: -0.15, temperature: 0.05 } },
    ],
  },
  {
    id: 'hair',
    en: 'What is your natural hair colour (before any dye or grey)?',
    es: '¿Cuál es tu color de pelo natural (sin tinte ni canas)?',
    options: [
      { id: 'ash_blonde', en: 'Platinum or ash blonde', es: 'Rubio platino o ceniza', effect: { value: 0.2, temperature: -0.2, chroma: -0.05 } },
      { id: 'golden_blonde', en: 'Golden or strawberry blonde', es: 'Rubio dorado o rojizo', effect: { value: 0.2, temperature: 0.2 } },
      { id: 'ash_brown', en: 'Light to medium ash brown', es: 'Castaño ceniza claro o medio', effect: { temperature: -0.15, chroma: -0.1 } },
      { id: 'golden_brown', en: 'Golden or chestnut brown', es: 'Castaño dorado o caoba', effect: { temperature: 0.15 } },
      { id: 'red', en: 'Red or auburn', es: 'Pelirrojo o cobrizo', effect: { temperature: 0.3, chroma: 0.05 } },
      { id: 'dark_brown', en: 'Dark brown', es: 'Castaño oscuro', effect: { value: -0.15 } },
      { id: 'black', en: 'Black', es: 'Negro', effect: { value: -0.25, chroma: 0.1, temperature: -0.1 } },
    ],
  },
  {
    id: 'eyes',
    en: 'What colour are your eyes?',
    es: '¿De qué color son tus ojos?',
    options: [
      { id: 'light_blue_grey', en: 'Light blue or grey', es: 'Azul claro o gris', effect: { value: 0.1, temperature: -0.1, chroma: -0.05 } },
      { id: 'bright_blue', en: 'Bright or deep blue', es: 'Azul intenso', effect: { temperature: -0.1, chroma: 0.15 } },
      { id: 'green_hazel', en: 'Green or hazel', es: 'Verdes o avellana', effect: { temperature: 0.1, chroma: -0.05 } },
      { id: 'light_brown', en: 'Light brown or amber', es: 'Marrón claro o ámbar', effect: { temperature: 0.15 } },
      { id: 'dark_brown', en: 'Dark brown or black', es: 'Marrón oscuro o negros', effect: { value: -0.15, chroma: 0.1 } },
    ],
  },
  {
    id: 'contrast',
    en: 'How different are your natural hair and your skin in depth?',
    es: '¿Cuánto contrastan tu pelo natural y tu piel?',
    options: [
      { id: 'low', en: 'Little: they are close (say blonde hair and fair skin, or dark hair and deep skin)', es: 'Poco: son parecidos (por ejemplo, pelo rubio y piel clara, o pelo oscuro y piel oscura)', effect: { chroma: -0.2 }, contrast: 'low' },
      { id: 'medium', en: 'Somewhat', es: 'Algo', effect: {}, contrast: 'medium' },
      { id: 'high', en: 'A lot: very different (say dark hair and fair skin)', es: 'Mucho: muy distintos (por ejemplo, pelo oscuro y piel clara)', effect: { chroma: 0.2 }, contrast: 'high' },
    ],
  },
  {
    id: 'white_cream',
    en: 'Held next to your face, which looks better?',
    es: 'Junto a tu cara, ¿qué te queda mejor?',
    options: [
      { id: 'white', en: 'Pure bright white', es: 'Blanco puro', effect: { temperature: -0.15, chroma: 0.1 } },
      { id: 'cream', en: 'Cream or ivory', es: 'Crudo o marfil', effect: { temperature: 0.15, chroma: -0.05 } },
      { id: 'same', en: 'No difference', es: 'No noto diferencia', effect: {} },
    ],
  },
  {
    id: 'black_brown',
    en: 'Which dark colour flatters you more near your face?',
    es: '¿Qué color oscuro te favorece más cerca de la cara?',
    options: [
      { id: 'black', en: 'Black', es: 'Negro', effect: { temperature: -0.1, value: -0.1, chroma: 0.1 } },
      { id: 'brown', en: 'Chocolate brown', es: 'Marrón chocolate', effect: { temperature: 0.15, value: -0.05 } },
      { id: 'neither', en: 'Neither: both feel heavy, soft grey or navy is better', es: 'Ninguno: los dos me apagan, mejor gris suave o azul marino', effect: { value: 0.15, chroma: -0.1 } },
    ],
  },
  {
    id: 'skin',
    en: 'How would you describe your skin?',
    es: '¿Cómo describirías tu piel?',
    options: [
      { id: 'very_fair', en: 'Very fair', es: 'Muy clara', effect: { value: 0.3 } },
      { id: 'fair', en: 'Fair', es: 'Clara', effect: { value: 0.15 } },
      { id: 'medium', en: 'Medium', es: 'Media', effect: {} },
      { id: 'olive', en: 'Olive (a greenish beige)', es: 'Oliva (beige verdoso)', effect: { value: -0.05, temperature: 0.05 }, olive: true },
      { id: 'tan', en: 'Tan or brown', es: 'Morena', effect: { value: -0.2 } },
      { id: 'deep', en: 'Deep', es: 'Muy oscura', effect: { value: -0.3 } },
    ],
  },
  {
    id: 'compliments',
    en: 'Which colours get you the most compliments?',
    es: '¿Con qué colores te hacen más cumplidos?',
    options: [
      { id: 'bright', en: 'Bright, saturated colours', es: 'Colores vivos y saturados', effect: { chroma: 0.25 } },
      { id: 'pastel', en: 'Light pastels', es: 'Pasteles claros', effect: { value: 0.15, chroma: -0.05 } },
      { id: 'muted', en: 'Muted, dusty colours', es: 'Colores apagados, empolvados', effect: { chroma: -0.25 } },
      { id: 'dark_rich', en: 'Dark, rich colours', es: 'Colores oscuros e intensos', effect: { value: -0.15, chroma: 0.05 } },
    ],
  },
  {
    id: 'coral_fuchsia',
    en: 'Which looks better on you?',
    es: '¿Qué te queda mejor?',
    options: [
      { id: 'coral', en: 'Coral, peach or orange', es: 'Coral, melocotón o naranja', effect: { temperature: 0.25 } },
      { id: 'fuchsia', en: 'Fuchsia, rose or raspberry', es: 'Fucsia, rosa o frambuesa', effect: { temperature: -0.25 } },
      { id: 'both', en: 'Both equally', es: 'Los dos por igual', effect: {} },
    ],
  },
];
