// Sign in: paste a token (the CLI's `npm run token`, an API token, or an OIDC id token). Login
// buttons for identity providers appear here when the server lists any (session.ts).
import { useEffect, useState, type FormEvent } from 'react';
import { loginProviders, session, type LoginProvider } from '../session';

export function SignIn() {
  const [token, setToken] = useState('');
  const [providers, setProviders] = useState<LoginProvider[]>([]);
  useEffect(() => {
    void loginProviders().then(setProviders);
  }, []);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (token.trim()) session.signIn(token);
  };
  return (
    <main id="main" className="signin">
      <h1>Sign in to KubeNova</h1>
      <form onSubmit={submit} className="card">
        <label htmlFor="token">Access token</label>
        <textarea id="token" name="token" rows={4} value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" spellCheck={false} required />
        <p className="hint">Kept only in this browser tab; it is sent to this server's API and nowhere else.</p>
        <button type="submit" className="primary">
          Sign in
        </button>
      </form>
      {providers.length > 0 && (
        <section aria-label="Identity providers" className="card">
          {providers.map((p) => (
            <p key={p.name}>
              <button type="button" disabled title="Sign-in through an identity provider is not in this console yet">
                Sign in with {p.name}
              </button>
            </p>
          ))}
        </section>
      )}
    </main>
  );
}
