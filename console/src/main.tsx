// The console's shell: sign-in gate, the caller's rights, live stream, navigation and routes.
// Pages other than the tenant home load on first visit (their own chunks).
import { lazy, StrictMode, Suspense, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Link, Redirect, Route, Router, Switch } from 'wouter';
import { api, ok } from './api/client';
import { useData } from './data';
import { openLiveStream, useLiveConnected } from './live';
import { TenantHome } from './pages/TenantHome';
import { Callback, SignIn } from './pages/SignIn';
import { RightsContext, rightsOf } from './rights';
import { isCallback, session, useToken } from './session';
import { Problem } from './ui';
import './styles.css';

const AppPage = lazy(() => import('./pages/AppPage'));
const Grants = lazy(() => import('./pages/Grants'));
const Admin = lazy(() => import('./pages/Admin'));

function Shell({ token }: { token: string }) {
  useEffect(() => openLiveStream(token), [token]);
  const live = useLiveConnected();
  const whoami = useData(() => ok(api.GET('/api/v1/whoami')), [token]);
  // Pages load alongside whoami rather than after it; until it answers they offer no action.
  const rights = rightsOf(whoami.data ?? { subject: '', rights: [] });
  if (whoami.error) return <Problem problem={whoami.error} />;
  return (
    <RightsContext.Provider value={rights}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">KubeNova</span>
        <nav aria-label="Main">
          <Link href="/">Tenants</Link>
          <Link href="/kubeconfigs">Kubeconfigs</Link>
          {rights.platform && <Link href="/admin">Platform</Link>}
        </nav>
        <span className={live ? 'live on' : 'live'} role="status">
          {live ? 'Live' : 'Connecting…'}
        </span>
        <span className="who">{rights.subject}</span>
        <button type="button" onClick={() => session.signOut()}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<p className="loading">Loading…</p>}>
          <Switch>
            <Route path="/">{() => <TenantHome />}</Route>
            <Route path="/tenants/:tenant">{(p) => <TenantHome tenant={p.tenant} />}</Route>
            <Route path="/apps/:name">{(p) => <AppPage name={p.name} />}</Route>
            <Route path="/kubeconfigs">{() => <Grants />}</Route>
            <Route path="/tenants/:tenant/kubeconfigs">{(p) => <Grants tenant={p.tenant} />}</Route>
            <Route path="/admin/:tab?">{(p) => <Admin tab={p.tab} />}</Route>
            <Route path="/callback">
              <Redirect to="/" />
            </Route>
            <Route>
              <p>No such page.</p>
            </Route>
          </Switch>
        </Suspense>
      </main>
    </RightsContext.Provider>
  );
}

function Root() {
  const token = useToken();
  // Read once per page load: the provider's redirect back, with a login of this tab to finish.
  const [callback, setCallback] = useState(isCallback);
  const [failed, setFailed] = useState<string>();
  const failedLogin = (message: string) => {
    setFailed(message);
    setCallback(false);
  };
  if (callback && !token) return <Callback onFailed={failedLogin} />;
  return <Router base="/ui">{token ? <Shell token={token} /> : <SignIn error={failed} />}</Router>;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
