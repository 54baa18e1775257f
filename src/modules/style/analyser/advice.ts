/** Styling advice per face shape, in English and Spanish (common stylists' rules of thumb, not science). */
import type { TFaceShape } from '../../../../contracts/style.js';

type Text = { en: string; es: string };
type Advice = { necklines: Text[]; glasses: Text[]; hairstyles: Text[]; avoid: Text[] };
const t = (en: string, es: string): Text => ({ en, es });

export const FACE_ADVICE: Record<TFaceShape, Advice> = {
  oval: {
    necklines: [t('Most necklines work: V-neck, scoop, crew and boat neck', 'Casi todos los escotes te van: pico, redondo amplio, caja y barco')],
    glasses: [t('Most frames suit you; keep them about as wide as your face', 'Casi todas las monturas te favorecen; que tengan más o menos el ancho de tu cara'), t('Square and geometric frames add definition', 'Las monturas cuadradas y geométricas añaden definición')],
    hairstyles: [t('Almost any cut: try layers, a bob or side-swept bangs', 'Casi cualquier corte: prueba capas, un bob o flequillo de lado')],
    avoid: [t('Heavy, face-covering fringes that hide your balance', 'Flequillos muy tupidos que tapan la cara y esconden tus proporciones')],
  },
  round: {
    necklines: [t('V-necks and deep scoops that lengthen the face', 'Escotes en pico y redondos profundos que alargan el rostro'), t('Long pendants and open collars', 'Colgantes largos y cuellos abiertos')],
    glasses: [t('Angular, rectangular or square frames wider than they are tall', 'Monturas angulosas, rectangulares o cuadradas, más anchas que altas')],
    hairstyles: [t('Volume at the crown, long layers, a side part', 'Volumen en la coronilla, capas largas, raya al lado'), t('Cuts that fall below the chin', 'Cortes que caen por debajo de la barbilla')],
    avoid: [t('Round frames, chin-length rounded bobs and high round necklines', 'Monturas redondas, bobs redondeados a la altura de la barbilla y cuellos redondos altos')],
  },
  square: {
    necklines: [t('Scoop, sweetheart and cowl necklines that soften the jaw', 'Escotes redondos, corazón y drapeados que suavizan la mandíbula')],
    glasses: [t('Round or oval frames, cat-eye', 'Monturas redondas u ovaladas, ojo de gato')],
    hairstyles: [t('Soft waves and layers around the jaw, side-swept bangs', 'Ondas suaves y capas alrededor de la mandíbula, flequillo de lado')],
    avoid: [t('Square frames, blunt jaw-length cuts and square necklines', 'Monturas cuadradas, cortes rectos a la altura de la mandíbula y escotes cuadrados')],
  },
  heart: {
    necklines: [t('Scoop, sweetheart and boat necks that balance a narrow chin', 'Escotes redondos, corazón y barco que equilibran una barbilla estrecha')],
    glasses: [t('Frames wider at the bottom, rimless or light oval frames', 'Monturas más anchas en la parte inferior, sin aro u ovaladas ligeras')],
    hairstyles: [t('Chin-length bobs, volume at the jaw, side-swept bangs', 'Bobs a la altura de la barbilla, volumen en la mandíbula, flequillo de lado')],
    avoid: [t('Heavy top-line frames and volume at the crown', 'Monturas con la parte superior muy marcada y volumen en la coronilla')],
  },
  oblong: {
    necklines: [t('Crew, boat and turtle necks that shorten the line', 'Cuellos caja, barco y alto que acortan la línea'), t('Chokers and short necklaces', 'Gargantillas y collares cortos')],
    glasses: [t('Deep, tall frames; bold or decorative temples', 'Monturas altas y profundas; patillas marcadas o decoradas')],
    hairstyles: [t('Bangs, waves and width at the sides', 'Flequillo, ondas y volumen a los lados')],
    avoid: [t('Deep V-necks, very long straight hair and height at the crown', 'Escotes en pico profundos, pelo muy largo y liso y volumen en la coronilla')],
  },
  diamond: {
    necklines: [t('Scoop and sweetheart necks, cowl necks', 'Escotes redondos y corazón, cuellos drapeados')],
    glasses: [t('Oval, rimless or cat-eye frames; frames with a strong brow line', 'Monturas ovaladas, sin aro u ojo de gato; monturas con la línea superior marcada')],
    hairstyles: [t('Fullness at the forehead and chin: side bangs, chin-length layers', 'Volumen en la frente y la barbilla: flequillo de lado, capas a la altura de la barbilla')],
    avoid: [t('Narrow frames and volume at the cheekbones', 'Monturas estrechas y volumen a la altura de los pómulos')],
  },
  triangle: {
    necklines: [t('Boat necks, wide collars and shoulder details that widen the top', 'Cuellos barco, cuellos anchos y detalles en los hombros que ensanchan la parte superior')],
    glasses: [t('Frames with a strong top line, cat-eye, browline', 'Monturas con la parte superior marcada, ojo de gato, estilo browline')],
    hairstyles: [t('Volume at the crown and temples, layers above the jaw', 'Volumen en la coronilla y las sienes, capas por encima de la mandíbula')],
    avoid: [t('Bottom-heavy frames and blunt cuts ending at the jaw', 'Monturas pesadas en la parte inferior y cortes rectos que terminan en la mandíbula')],
  },
};
