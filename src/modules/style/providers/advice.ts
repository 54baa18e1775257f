/**
 * Fixed texts the Gemini adapter attaches to the model's enums: advice per face shape and the
 * message and tip of each retake code, in English and Spanish. The model is asked for no free
 * text (its words would come in one language, unchecked); the answer's enums pick these texts.
 * The offline analyser's texts (style-core) may replace these at merge: same shapes, same codes.
 */
import type { TFaceAnswer, TFaceShape, TRetakeCode } from '../../../../contracts/style.js';

type T = { en: string; es: string };
const t = (en: string, es: string): T => ({ en, es });

export const FACE_ADVICE: Record<TFaceShape, TFaceAnswer['advice']> = {
  oval: {
    necklines: [t('Most necklines work; V-necks and scoop necks keep the balance', 'Casi todos los escotes; el pico y el redondo mantienen el equilibrio')],
    glasses: [t('Most frames; keep them as wide as the widest part of the face', 'Casi todas las monturas, tan anchas como la parte más ancha del rostro')],
    hairstyles: [t('Almost any cut; try a side part or soft layers', 'Casi cualquier corte; prueba raya al lado o capas suaves')],
    avoid: [t('Heavy fringes that hide the forehead', 'Flequillos pesados que tapen la frente')],
  },
  round: {
    necklines: [t('V-necks and open collars lengthen the face', 'Escote en pico y cuellos abiertos alargan el rostro')],
    glasses: [t('Angular, rectangular frames', 'Monturas angulares, rectangulares')],
    hairstyles: [t('Height at the crown, long layers, a side part', 'Volumen en la coronilla, capas largas, raya al lado')],
    avoid: [t('Round frames and chin-length bobs', 'Monturas redondas y melenas a la altura de la barbilla')],
  },
  square: {
    necklines: [t('Scoop and cowl necks soften the jaw', 'Escotes redondos y drapeados suavizan la mandíbula')],
    glasses: [t('Round or oval frames', 'Monturas redondas u ovaladas')],
    hairstyles: [t('Soft waves and layers around the jaw', 'Ondas suaves y capas en torno a la mandíbula')],
    avoid: [t('Square frames and blunt cuts at the jaw', 'Monturas cuadradas y cortes rectos a la altura de la mandíbula')],
  },
  heart: {
    necklines: [t('Sweetheart and scoop necks; boat necks balance a narrow chin', 'Escote corazón y redondo; el barco equilibra una barbilla estrecha')],
    glasses: [t('Frames wider at the bottom, light rims', 'Monturas más anchas abajo, aros finos')],
    hairstyles: [t('Volume at chin level, side-swept fringes', 'Volumen a la altura de la barbilla, flequillo al lado')],
    avoid: [t('Top-heavy frames and volume at the crown', 'Monturas pesadas arriba y volumen en la coronilla')],
  },
  oblong: {
    necklines: [t('Crew and boat necks, turtlenecks', 'Cuello redondo, barco y alto')],
    glasses: [t('Deep frames with a strong brow line', 'Monturas altas con ceja marcada')],
    hairstyles: [t('Fringes and volume at the sides', 'Flequillo y volumen a los lados')],
    avoid: [t('Deep V-necks and very long straight hair', 'Escotes en pico profundos y pelo muy largo y liso')],
  },
  diamond: {
    necklines: [t('Scoop and sweetheart necks', 'Escote redondo y corazón')],
    glasses: [t('Oval or rimless frames, cat-eye', 'Monturas ovaladas, al aire o de ojo de gato')],
    hairstyles: [t('Fullness at forehead and chin, side-swept fringe', 'Volumen en frente y barbilla, flequillo al lado')],
    avoid: [t('Narrow frames and volume at the cheekbones', 'Monturas estrechas y volumen en los pómulos')],
  },
  triangle: {
    necklines: [t('Boat necks and wide collars widen the shoulders', 'Escote barco y cuellos anchos ensanchan los hombros')],
    glasses: [t('Frames with a strong top line, browline', 'Monturas con la parte superior marcada')],
    hairstyles: [t('Volume at the crown and temples', 'Volumen en la coronilla y las sienes')],
    avoid: [t('Volume at the jaw, narrow frames', 'Volumen en la mandíbula, monturas estrechas')],
  },
};

export const RETAKE_TEXT: Record<TRetakeCode, { message: T; tip: T }> = {
  no_face: { message: t('No face was found', 'No se encontró ningún rostro'), tip: t('Face the camera, your whole face in the picture', 'Mira a la cámara con todo el rostro en la foto') },
  multiple_faces: { message: t('More than one face is in the picture', 'Hay más de un rostro en la foto'), tip: t('Take the selfie alone', 'Hazte la foto a solas') },
  face_too_small: { message: t('The face is too small', 'El rostro sale demasiado pequeño'), tip: t('Hold the camera closer: your face should fill a third of the picture', 'Acerca la cámara: el rostro debe ocupar un tercio de la foto') },
  head_turned: { message: t('The head is turned or tilted', 'La cabeza está girada o inclinada'), tip: t('Look straight into the camera', 'Mira de frente a la cámara') },
  eyes_not_visible: { message: t('The eyes are not visible', 'No se ven los ojos'), tip: t('Take off sunglasses, move hair away from the eyes', 'Quítate las gafas de sol y aparta el pelo de los ojos') },
  blurry: { message: t('The picture is blurred', 'La foto está borrosa'), tip: t('Hold still and let the camera focus', 'Quédate quieto y deja que la cámara enfoque') },
  too_dark: { message: t('The picture is too dark', 'La foto está demasiado oscura'), tip: t('Face a window in daylight', 'Ponte frente a una ventana con luz de día') },
  overexposed: { message: t('The picture is too bright', 'La foto está sobreexpuesta'), tip: t('Avoid direct sun and the flash', 'Evita el sol directo y el flash') },
  uneven_light: { message: t('The light is uneven on the face', 'La luz es desigual en el rostro'), tip: t('Face the light so both cheeks are lit alike', 'Ponte de cara a la luz para que ambas mejillas se iluminen igual') },
  colored_light: { message: t('The light is coloured', 'La luz tiene color'), tip: t('Use daylight, not warm lamps or coloured LEDs', 'Usa luz de día, no lámparas cálidas ni LED de colores') },
  makeup_or_filter_suspected: { message: t('Makeup or a filter may change the colours', 'El maquillaje o un filtro pueden alterar los colores'), tip: t('Use a photo without filters and with little makeup', 'Usa una foto sin filtros y con poco maquillaje') },
  hair_not_visible: { message: t('The hair is not visible', 'No se ve el pelo'), tip: t('Take off hats or scarves', 'Quítate gorros o pañuelos') },
};
