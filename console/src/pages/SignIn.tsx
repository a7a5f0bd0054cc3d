// Sign in: paste a token (the CLI's `npm run token`, an API token, or an OIDC id token), or sign
// in through one of the identity providers the server lists (oidc.ts: code + PKCE in the browser).
// The provider sends the browser back to /ui/callback, where <Callback> finishes the login.
// oidc.ts loads only when a login starts or finishes.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { loginProviders, session, type LoginProvider } from '../session';

export function SignIn({ error }: { error?: string }) {
  const [token, setToken] = useState('');
  const [providers, setProviders] = useState<LoginProvider[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | undefined>(error);
  useEffect(() => {
    void loginProviders().then(setProviders);
  }, []);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (token.trim()) session.signIn(token);
  };
  const login = (p: LoginProvider) => {
    setBusy(p.name);
    setProblem(undefined);
    import('../oidc')
      .then((oidc) =>
        oidc.beginLogin(p).catch((err: unknown) => {
          throw new Error(oidc.loginErrorMessage(err));
        }),
      )
      .catch((err: unknown) => {
        setBusy(null);
        setProblem(`Sign-in with ${p.name} failed: ${err instanceof Error ? err.message : String(err)}`);
      });
  };
  return (
    <main id="main" className="signin">
      <h1>Sign in to KubeNova</h1>
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
      {providers.length > 0 && (
        <section aria-label="Identity providers" className="card">
          {providers.map((p) => (
            <p key={p.name}>
              <button type="button" className="primary" onClick={() => login(p)} disabled={busy !== null} aria-busy={busy === p.name}>
                Sign in with {p.name}
              </button>
            </p>
          ))}
        </section>
      )}
      <form onSubmit={submit} className="card">
        <label htmlFor="token">Access token</label>
        <textarea id="token" name="token" rows={4} value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" spellCheck={false} required />
        <p className="hint">Kept only in this browser tab; it is sent to this server's API and nowhere else.</p>
        <button type="submit" className="primary">
          Sign in
        </button>
      </form>
    </main>
  );
}

/** /ui/callback after a provider's login: exchanges the code, then the session starts (or the
 *  sign-in page shows why not). */
export function Callback({ onFailed }: { onFailed: (message: string) => void }) {
  const started = useRef(false);
  useEffect(() => {
    // Once only (StrictMode runs effects twice in development; a code can be used once).
    if (started.current) return;
    started.current = true;
    void import('../oidc').then(
      (oidc) =>
        oidc.completeLogin().then(
          (idToken) => session.signIn(idToken),
          (err: unknown) => onFailed(`Sign-in failed: ${oidc.loginErrorMessage(err)}`),
        ),
      (err: unknown) => onFailed(`Sign-in failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  }, [onFailed]);
  return (
    <main id="main" className="signin">
      <p role="status">Signing in…</p>
    </main>
  );
}
