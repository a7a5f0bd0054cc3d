// Tenant home: one tenant across all its clusters: per-cluster phase and conditions, quotas,
// projects, apps with phase, recent events. Clicking an event's correlation id filters the page
// to what that request touched.
import { memo, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useLocation } from 'wouter';
import type { Resource } from '../../../src/domain/resource.js';
import { api, ok, type ApiProblem } from '../api/client';
import { allPages, useData } from '../data';
import type { LiveEvent } from '../live';
import { useRights } from '../rights';
import { fieldProblem, Phase, Problem, Section, SelectField, when } from '../ui';

type R = Resource;
const asResources = (items: unknown[]): R[] => items as R[];

export function TenantHome({ tenant }: { tenant?: string }) {
  const tenants = useData(
    async () => asResources(await allPages((cursor) => ok(api.GET('/api/v1/tenants', { params: { query: { limit: 500, ...(cursor && { cursor }) } } })))),
    [],
  );
  const [, navigate] = useLocation();
  if (tenants.error) return <Problem problem={tenants.error} what="list tenants" />;
  if (!tenants.data) return <p className="loading">Loading…</p>;
  if (tenants.data.length === 0) return <p>You have no tenant.</p>;
  const current = tenant ?? tenants.data[0]!.name;
  return (
    <>
      <div className="page-head">
        <h1>Tenant {current}</h1>
        {tenants.data.length > 1 && (
          <SelectField label="Tenant" value={current} onChange={(e) => navigate(`/tenants/${e.target.value}`)}>
            {tenants.data.map((t) => (
              <option key={t.name}>{t.name}</option>
            ))}
          </SelectField>
        )}
        <Link href={`/tenants/${current}/kubeconfigs`}>Kubeconfigs of {current}</Link>
      </div>
      <TenantView key={current} tenant={current} />
    </>
  );
}

function TenantView({ tenant }: { tenant: string }) {
  const rights = useRights();
  const [correlation, setCorrelation] = useState<string>();
  const t = useData(async () => (await ok(api.GET('/api/v1/tenants/{name}', { params: { path: { name: tenant } } }))) as unknown as R, [tenant]);
  const projects = useData(
    async () =>
      asResources(
        await allPages((cursor) =>
          ok(api.GET('/api/v1/tenants/{name}/projects', { params: { path: { name: tenant }, query: { limit: 500, ...(cursor && { cursor }) } } })),
        ),
      ),
    [tenant],
  );
  const apps = useData(
    async () =>
      asResources(
        await allPages((cursor) =>
          ok(api.GET('/api/v1/tenants/{name}/apps', { params: { path: { name: tenant }, query: { limit: 500, ...(cursor && { cursor }) } } })),
        ),
      ),
    [tenant],
  );
  // Read after the apps: the page is usable once they are listed; the events are secondary.
  const appsLoaded = apps.data !== undefined;
  // The newest events: the first read walks the last hour (the API lists oldest first); later
  // reads ask only for what came since the newest one held.
  const held = useRef<{ key: string; items: LiveEvent[] }>({ key: '', items: [] });
  const events = useData(async () => {
    if (!appsLoaded) return undefined;
    const key = `${tenant}/${correlation ?? ''}`;
    const known = held.current.key === key ? held.current.items : [];
    const since = known[0]?.time ?? new Date(Date.now() - 3_600_000).toISOString();
    const fresh: LiveEvent[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const page = await ok(
        api.GET('/api/v1/events', {
          params: { query: { tenant, limit: 500, since, ...(cursor && { cursor }), ...(correlation && { correlationId: correlation }) } },
        }),
      );
      fresh.push(...(page.items as LiveEvent[]));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    const ids = new Set(known.map((e) => e.id));
    const items = [...fresh.filter((e) => !ids.has(e.id)).reverse(), ...known].slice(0, 40);
    held.current = { key, items };
    return items;
  }, [tenant, correlation, appsLoaded]);
  // With a correlation id chosen: only the objects its events name.
  const touched = useMemo(() => (correlation && events.data ? new Set(events.data.map((e) => `${e.kind}/${e.name}`)) : undefined), [correlation, events.data]);
  const shown = (kind: string, name: string) => !touched || touched.has(`${kind}/${name}`);

  const obj = t.data;
  const quotas = (obj?.spec.quotas ?? {}) as Record<string, unknown>;
  return (
    <div className="grid">
      <Problem problem={t.error} what="read this tenant" />
      {correlation && (
        <div className="filter" role="status">
          Showing only what request <code>{correlation}</code> touched.{' '}
          <button type="button" onClick={() => setCorrelation(undefined)}>
            Show everything
          </button>
        </div>
      )}
      <Section title="Clusters">
        {obj && (
          <>
            <p>
              Tenant phase: <Phase phase={obj.status.phase} />
            </p>
            <table>
              <thead>
                <tr>
                  <th scope="col">Cluster</th>
                  <th scope="col">Phase</th>
                  <th scope="col">Conditions</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(obj.status.clusters ?? {}).map(([name, c]) => (
                  <tr key={name}>
                    <td>{name}</td>
                    <td>
                      <Phase phase={c.phase} />
                    </td>
                    <td>
                      {c.conditions.map((k) => (
                        <span key={k.type} className={`cond cond-${k.status.toLowerCase()}`} title={k.message}>
                          {k.type}: {k.status}
                          {k.reason ? ` (${k.reason})` : ''}
                        </span>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Section>
      <Section title="Quotas">
        {Object.keys(quotas).length === 0 ? (
          <p>No quotas set.</p>
        ) : (
          <dl className="pairs">
            {Object.entries(quotas).map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{String(v)} (hard)</dd>
              </div>
            ))}
          </dl>
        )}
      </Section>
      <Section title="Projects" actions={rights.can('Project', 'create', tenant) ? <NewProject tenant={tenant} onDone={projects.reload} /> : undefined}>
        <Problem problem={projects.error} what="list projects" />
        <table>
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col">Phase</th>
            </tr>
          </thead>
          <tbody>
            {(projects.data ?? [])
              .filter((p) => shown('Project', p.name))
              .map((p) => (
                <tr key={p.name}>
                  <td>{p.name}</td>
                  <td>
                    <Phase phase={p.status.phase} />
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      </Section>
      <Section
        title="Apps"
        actions={
          rights.can('App', 'create', tenant) && projects.data && projects.data.length > 0 ? (
            <NewApp projects={projects.data.map((p) => p.name)} onDone={apps.reload} />
          ) : undefined
        }
      >
        <Problem problem={apps.error} what="list apps" />
        {apps.data && <AppsTable apps={apps.data} touched={touched} />}
        {apps.data && <p className="hint">{apps.data.length} apps</p>}
      </Section>
      <Section title="Recent events">
        <Problem problem={events.error} what="read events" />
        <ol className="events">
          {(events.data ?? []).map((e) => (
            <li key={e.id} className={e.type === 'Warning' ? 'warn' : undefined}>
              <time dateTime={e.time}>{when(e.time)}</time> {e.kind} {e.name} <strong>{e.reason}</strong> {e.message}
              {e.correlationId && (
                <button
                  type="button"
                  className="link"
                  onClick={() => setCorrelation(e.correlationId)}
                  aria-label={`Show only what request ${e.correlationId} touched`}
                >
                  {e.correlationId}
                </button>
              )}
            </li>
          ))}
        </ol>
      </Section>
    </div>
  );
}

/** The apps table, rendered again only when the apps or the filter change (a tenant may have
 *  thousands; the rest of the page changes more often). */
const AppsTable = memo(function AppsTable({ apps, touched }: { apps: R[]; touched: Set<string> | undefined }) {
  return (
    <table aria-label="Apps">
      <thead>
        <tr>
          <th scope="col">App</th>
          <th scope="col">Project</th>
          <th scope="col">Phase</th>
          <th scope="col">Generation</th>
        </tr>
      </thead>
      <tbody>
        {apps
          .filter((a) => !touched || touched.has(`App/${a.name}`))
          .map((a) => (
            <tr key={a.name} data-app={a.name}>
              <td>
                <Link href={`/apps/${a.name}`}>{a.name}</Link>
              </td>
              <td>{String(a.spec.project)}</td>
              <td>
                <Phase phase={a.status.phase} />
              </td>
              <td>
                {a.status.observedGeneration}/{a.generation}
              </td>
            </tr>
          ))}
      </tbody>
    </table>
  );
});

function NewProject({ tenant, onDone }: { tenant: string; onDone(): void }) {
  const [name, setName] = useState(`${tenant}-`);
  const [problem, setProblem] = useState<ApiProblem>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await ok(api.POST('/api/v1/tenants/{name}/projects', { params: { path: { name: tenant } }, body: { name } as never }));
      setProblem(undefined);
      setName(`${tenant}-`);
      onDone();
    } catch (err) {
      setProblem(err as ApiProblem);
    }
  };
  const nameProblem = fieldProblem(problem, 'name');
  return (
    <form onSubmit={submit} className="inline-form" aria-label="Create a project">
      <label>
        New project
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          aria-invalid={!!nameProblem}
          aria-describedby={nameProblem ? 'np-err' : undefined}
        />
      </label>
      <button type="submit">Create project</button>
      {nameProblem && (
        <span id="np-err" className="field-error">
          {nameProblem}
        </span>
      )}
      {problem && !nameProblem && <Problem problem={problem} what="create projects" />}
    </form>
  );
}

function NewApp({ projects, onDone }: { projects: string[]; onDone(): void }) {
  const [project, setProject] = useState(projects[0]!);
  const [name, setName] = useState('');
  const [image, setImage] = useState('nginx:1.27');
  const [problem, setProblem] = useState<ApiProblem>();
  const [, navigate] = useLocation();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const body = { name, spec: { project, components: [{ name: 'web', type: 'webservice', properties: { image } }] } };
      await ok(api.POST('/api/v1/apps', { body: body as never }));
      onDone();
      navigate(`/apps/${name}`);
    } catch (err) {
      setProblem(err as ApiProblem);
    }
  };
  return (
    <form onSubmit={submit} className="inline-form" aria-label="Create an app">
      <SelectField label="Project" value={project} onChange={(e) => setProject(e.target.value)}>
        {projects.map((p) => (
          <option key={p}>{p}</option>
        ))}
      </SelectField>
      <label>
        App name
        <input value={name} onChange={(e) => setName(e.target.value)} required aria-invalid={!!fieldProblem(problem, 'name')} />
      </label>
      <label>
        Image
        <input value={image} onChange={(e) => setImage(e.target.value)} required />
      </label>
      <button type="submit">Create app</button>
      <Problem problem={problem} what="create apps" />
    </form>
  );
}
