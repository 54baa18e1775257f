/** What each retake code tells the person, in English and Spanish: what is wrong, and what to do. */
import type { TRetakeCode } from '../../../../contracts/style.js';

type Text = { en: string; es: string };

export const RETAKE_TEXT: Record<TRetakeCode, { message: Text; tip: Text }> = {
  no_face: {
    message: { en: 'We could not find a face in this photo.', es: 'No encontramos ninguna cara en esta foto.' },
    tip: { en: 'Take a selfie facing the camera, with your whole face in the frame.', es: 'Hazte un selfi mirando a la cámara, con toda la cara dentro del encuadre.' },
  },
  multiple_faces: {
    message: { en: 'There is more than one face in this photo.', es: 'Hay más de una cara en esta foto.' },
    tip: { en: 'Take the selfie alone, or crop the others out.', es: 'Hazte el selfi a solas o recorta a las demás personas.' },
  },
  face_too_small: {
    message: { en: 'Your face is too small in the photo to read its colours and shape.', es: 'Tu cara sale demasiado pequeña para leer sus colores y su forma.' },
    tip: { en: 'Hold the camera closer, so your face fills about a third of the picture.', es: 'Acerca la cámara para que tu cara ocupe alrededor de un tercio de la imagen.' },
  },
  head_turned: {
    message: { en: 'Your head is turned or tilted away from the camera.', es: 'Tienes la cabeza girada o inclinada respecto a la cámara.' },
    tip: { en: 'Look straight into the lens, chin level.', es: 'Mira directamente al objetivo, con la barbilla recta.' },
  },
  eyes_not_visible: {
    message: { en: 'We cannot see your eyes well (closed, covered or in shadow).', es: 'No vemos bien tus ojos (cerrados, tapados o en sombra).' },
    tip: { en: 'Open your eyes, take off sunglasses and face the light.', es: 'Abre los ojos, quítate las gafas de sol y ponte de cara a la luz.' },
  },
  blurry: {
    message: { en: 'The photo is blurred.', es: 'La foto está borrosa.' },
    tip: { en: 'Hold the phone still, tap your face to focus, and try again.', es: 'Sujeta el móvil sin moverlo, toca tu cara para enfocar y vuelve a intentarlo.' },
  },
  too_dark: {
    message: { en: 'The photo is too dark to read your colours.', es: 'La foto está demasiado oscura para leer tus colores.' },
    tip: { en: 'Face a window in daylight; avoid having the light behind you.', es: 'Ponte frente a una ventana con luz de día; evita tener la luz detrás.' },
  },
  overexposed: {
    message: { en: 'The photo is too bright; parts of your face are washed out.', es: 'La foto tiene demasiada luz; partes de tu cara se ven quemadas.' },
    tip: { en: 'Move out of direct sun and turn the flash off.', es: 'Apártate del sol directo y apaga el flash.' },
  },
  uneven_light: {
    message: { en: 'One side of your face is much darker than the other.', es: 'Un lado de tu cara está mucho más oscuro que el otro.' },
    tip: { en: 'Face the light source so it falls evenly on both cheeks.', es: 'Ponte de frente a la luz para que ilumine por igual las dos mejillas.' },
  },
  colored_light: {
    message: { en: 'The light is strongly coloured, which changes how your skin looks.', es: 'La luz tiene un color fuerte que cambia cómo se ve tu piel.' },
    tip: { en: 'Use daylight from a window, or hold a sheet of white paper beside your face.', es: 'Usa luz de día de una ventana, o sostén una hoja de papel blanco junto a tu cara.' },
  },
  makeup_or_filter_suspected: {
    message: { en: 'Your skin or lip colour looks unusual for natural skin: makeup or a filter may be changing it.', es: 'El color de tu piel o de tus labios no parece natural: puede que el maquillaje o un filtro lo estén cambiando.' },
    tip: { en: 'For the truest result, use a photo without filters and with little or no makeup.', es: 'Para un resultado más fiel, usa una foto sin filtros y con poco o ningún maquillaje.' },
  },
  hair_not_visible: {
    message: { en: 'We could not see your hair, so its colour was left out.', es: 'No pudimos ver tu pelo, así que su color no se ha tenido en cuenta.' },
    tip: { en: 'If you can, show your natural hair around your forehead.', es: 'Si puedes, deja ver tu pelo natural alrededor de la frente.' },
  },
};
