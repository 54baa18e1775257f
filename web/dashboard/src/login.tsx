/**
 * The sign-in page: email and password, and a "Sign in with …" button per single sign-on provider
 * (names from the public list). A provider sends the browser back to /dashboard/login with a
 * one-time code in the URL fragment (never tokens), exchanged here for the session; or with the
 * reason it was refused. English and Spanish, from the browser's language.
 */
import { useEffect, useState } from 'preact/hooks';
import { exchangeSsoCode, login, ssoProviders, type SsoProvider, type User } from './api';
import { navigate } from './router';
import { ErrorNote } from './components';

type Lang = 'en' | 'es';
const lang = (): Lang => (navigator.language.toLowerCase().startsWith('es') ? 'es' : 'en');

const TEXT = {
  en: {
    subtitle: 'Sign in to the dashboard',
    email: 'Email',
    password: 'Password',
    signIn: 'Sign in',
    signingIn: 'Signing in…',
    with: (name: string) => `Sign in with ${name}`,
    or: 'or',
    finishing: 'Finishing single sign-on…',
    errors: {
      SSO_USER_UNKNOWN: 'No account or invitation has this email. Ask your store owner or the operator to invite you.',
      SSO_EMAIL_NOT_VERIFIED: 'Your identity provider has not verified your email address.',
      SSO_DOMAIN_NOT_ALLOWED: 'Sign-in from this email domain is not allowed here.',
      SSO_STATE_INVALID: 'The sign-in expired or was started in another browser. Try again.',
      SSO_FAILED: 'The identity provider’s answer was refused. Try again.',
      SSO_PROVIDER_UNAVAILABLE: 'The identity provider could not be reached. Try again in a moment.',
      SSO_PROVIDER_NOT_FOUND: 'This sign-in provider is not available.',
      SSO_CODE_INVALID: 'The sign-in link expired. Try again.',
      PASSWORD_LOGIN_DISABLED: 'Your store signs in with single sign-on only: use a button below.',
      other: 'Single sign-on failed. Try again.',
    } as Record<string, string>,
  },
  es: {
    subtitle: 'Inicia sesión en el panel',
    email: 'Correo electrónico',
    password: 'Contraseña',
    signIn: 'Iniciar sesión',
    signingIn: 'Iniciando sesión…',
    with: (name: string) => `Iniciar sesión con ${name}`,
    or: 'o',
    finishing: 'Completando el inicio de sesión único…',
    errors: {
      SSO_USER_UNKNOWN: 'Ninguna cuenta ni invitación tiene este correo. Pide a la persona dueña de tu tienda o al operador que te invite.',
      SSO_EMAIL_NOT_VERIFIED: 'Tu proveedor de identidad no ha verificado tu correo.',
      SSO_DOMAIN_NOT_ALLOWED: 'Aquí no se permite iniciar sesión con correos de este dominio.',
      SSO_STATE_INVALID: 'El inicio de sesión caducó o se empezó en otro navegador. Vuelve a intentarlo.',
      SSO_FAILED: 'Se rechazó la respuesta del proveedor de identidad. Vuelve a intentarlo.',
      SSO_PROVIDER_UNAVAILABLE: 'No se pudo contactar con el proveedor de identidad. Inténtalo de nuevo en un momento.',
      SSO_PROVIDER_NOT_FOUND: 'Este proveedor de inicio de sesión no está disponible.',
      SSO_CODE_INVALID: 'El enlace de inicio de sesión caducó. Vuelve a intentarlo.',
      PASSWORD_LOGIN_DISABLED: 'Tu tienda solo permite el inicio de sesión único: usa uno de los botones de abajo.',
      other: 'Falló el inicio de sesión único. Vuelve a intentarlo.',
    } as Record<string, string>,
  },
};

const home = (u: User) => (u.role === 'operator' ? '/' : `/t/${u.tenant_id}/overview`);

export function Login() {
  const tx = TEXT[lang()];
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>();
  const [ssoError, setSsoError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [providers, setProviders] = useState<SsoProvider[]>([]);

  useEffect(() => {
    ssoProviders().then(setProviders, () => setProviders([]));
    // Back from a provider: #sso_code=… (one use, 60 s) or #sso_error=CODE. The fragment is dropped at once.
    const hash = new URLSearchParams(location.hash.slice(1));
    const code = hash.get('sso_code');
    const err = hash.get('sso_error');
    if (!code && !err) return;
    history.replaceState(null, '', location.pathname);
    if (err) return setSsoError(err);
    setBusy(true);
    exchangeSsoCode(code!).then(
      (u) => navigate(home(u), true),
      (e: { code?: string }) => {
        setSsoError(e.code ?? 'other');
        setBusy(false);
      },
    );
  }, []);

  const ssoMessage = ssoError ? (tx.errors[ssoError] ?? tx.errors.other) : undefined;
  return (
    <main class="login" lang={lang()}>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(undefined);
          setSsoError(undefined);
          try {
            navigate(home(await login(email, password)), true);
          } catch (err) {
            if ((err as { code?: string }).code === 'PASSWORD_LOGIN_DISABLED') setSsoError('PASSWORD_LOGIN_DISABLED');
            else setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        <h1>Probador</h1>
        <p class="muted">{busy && !email ? tx.finishing : tx.subtitle}</p>
        {ssoMessage && (
          <p class="error" role="alert" data-sso-error={ssoError}>
            {ssoMessage}
          </p>
        )}
        <label>
          {tx.email}
          <input type="email" name="email" autocomplete="username" required value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          {tx.password}
          <input type="password" name="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        </label>
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? tx.signingIn : tx.signIn}
        </button>
        {providers.length > 0 && (
          <div class="sso" aria-label="Single sign-on">
            <div class="sso-or">
              <span>{tx.or}</span>
            </div>
            {providers.map((p) => (
              <a class="button sso-button" href={`/admin/v1/auth/oidc/${encodeURIComponent(p.id)}/start`}>
                {tx.with(p.name)}
              </a>
            ))}
          </div>
        )}
      </form>
    </main>
  );
}
