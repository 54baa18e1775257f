/** The reset mail, in the person's language. Never logged. */
import type { Language } from './tables.js';

export function resetMail(lang: Language, o: { link: string | undefined; token: string; minutes: number }) {
  if (lang === 'es') {
    return {
      subject: 'Restablece tu contraseña',
      text: [
        'Alguien (esperamos que tú) pidió restablecer la contraseña de tu cuenta.',
        o.link ? `Abre este enlace para elegir una nueva: ${o.link}` : `Tu código para restablecerla: ${o.token}`,
        `Vale una sola vez durante ${o.minutes} minutos. Si no lo pediste, ignora este mensaje: tu contraseña no cambia.`,
      ].join('\n\n'),
    };
  }
  return {
    subject: 'Reset your password',
    text: [
      'Someone (we hope you) asked to reset the password of your account.',
      o.link ? `Open this link to choose a new one: ${o.link}` : `Your reset code: ${o.token}`,
      `It works once, for ${o.minutes} minutes. If you did not ask, ignore this mail: your password stays as it is.`,
    ].join('\n\n'),
  };
}
