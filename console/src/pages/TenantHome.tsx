// Tenant home: one tenant across all its clusters: per-cluster phase and conditions, quotas (hard,
// and used as each cluster reports it), projects, apps with phase (a page at a time, TenantApps.tsx),
// recent events. Clicking an event's correlation id filters the page to what that request touched.
import { useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useLocation } from 'wouter';
import type { Resource } from '../../../src/domain/resource.js';
import { api, ok, type ApiProblem } from '../api/client';
import { allPages, useData, type Loaded } from '../data';
import type { LiveEvent } from '../live';
import { JsonEditor } from '../editor';
import { useRights } from '../rights';
import { fieldProblem, Phase, Problem, Section, SelectField, when } from '../ui';
import { TenantApps } from './TenantApps';

type R = Resource;
const asResources = (items: unknown[]): R[] => items as R[];
/** Read, or failed to be. */
const settled = (x: Loaded<unknown>) => x.data !== undefined || x.error !== undefined;

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
  const [project, setProject] = useState<string>();
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
  // Events are read once the tenant, its projects and the first apps are on screen (the page is
  // usable then; events are secondary, and the first read of an hour of them is the largest).
  const [appsLoaded, setAppsLoaded] = useState(false);
  const usable = appsLoaded && settled(t) && settled(projects);
  // The newest events: the first read walks the last hour (the API lists oldest first); later
  // reads ask only for what came since the newest one held.
  const held = useRef<{ key: string; items: LiveEvent[] }>({ key: '', items: [] });
  const events = useData(async () => {
    if (!usable) return undefined;
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
  }, [tenant, correlation, usable]);
  // With a correlation id chosen: only the objects its events name.
  const touched = useMemo(() => (correlation && events.data ? new Set(events.data.map((e) => `${e.kind}/${e.name}`)) : undefined), [correlation, events.data]);
  const shown = (kind: string, name: string) => !touched || touched.has(`${kind}/${name}`);

  const obj = t.data;
  const openProject = projects.data?.find((p) => p.name === project);
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
      <Quotas tenant={tenant} obj={obj} />
      <Section title="Projects" actions={rights.can('Project', 'create', tenant) ? <NewProject tenant={tenant} onDone={projects.reload} /> : undefined}>
        <Problem problem={projects.error} what="list projects" />
        <table>
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col">Phase</th>
              <th scope="col">JSON</th>
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
                  <td>
                    <button type="button" aria-label={`JSON of ${p.name}`} aria-pressed={p.name === project} onClick={() => setProject(p.name)}>
                      JSON
                    </button>
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      </Section>
      {openProject && (
        <JsonEditor
          key={openProject.name}
          object={openProject}
          path="/api/v1/projects/{name}"
          title={`Project ${openProject.name}`}
          what={`change project ${openProject.name}`}
          canEdit={rights.can('Project', 'update', tenant)}
          onSaved={projects.reload}
          onClose={() => setProject(undefined)}
        />
      )}
      <TenantApps
        tenant={tenant}
        touched={touched}
        onLoaded={setAppsLoaded}
        actions={
          rights.can('App', 'create', tenant) && projects.data && projects.data.length > 0 ? <NewApp projects={projects.data.map((p) => p.name)} /> : undefined
        }
      />
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

type UsageLine = { hard: string; used: string; fraction: number };
const DEFAULT_WARNINGS = [0.8, 0.95];

/** One resource's use of its quota: a <meter> (coloured by the tenant's warning levels), the
 *  figures and the percentage. */
function UsageMeter({ line, label, levels }: { line: UsageLine; label: string; levels: number[] }) {
  const pct = Math.round(line.fraction * 100);
  return (
    <>
      <td>{line.used}</td>
      <td>{line.hard}</td>
      <td>
        <meter
          min={0}
          max={1}
          low={levels[0] ?? 0.8}
          high={levels[levels.length - 1] ?? 0.95}
          optimum={0}
          value={Math.min(line.fraction, 1)}
          aria-label={`${label}: ${line.used} of ${line.hard} used`}
        />{' '}
        {pct} %
      </td>
    </>
  );
}

/** The tenant's quotas: the hard limits it sets, and what each cluster reports used (the usage
 *  API, docs/usage.md), per cluster and in total, with the QuotaPressure condition. Usage changes
 *  are not events, so besides the live reloads it is read again every 10 s. */
function Quotas({ tenant, obj }: { tenant: string; obj: R | undefined }) {
  const usage = useData(async () => ok(api.GET('/api/v1/tenants/{name}/usage', { params: { path: { name: tenant } } })), [tenant], { everyMs: 10_000 });
  const quotas = (obj?.spec.quotas ?? {}) as Record<string, unknown>;
  const levels = ((obj?.spec as { quotaWarnings?: number[] } | undefined)?.quotaWarnings ?? DEFAULT_WARNINGS).slice().sort((a, b) => a - b);
  const pressure = obj?.status.conditions?.find((c) => c.type === 'QuotaPressure');
  const u = usage.data;
  const clusters = Object.entries(u?.clusters ?? {}).filter(([, lines]) => Object.keys(lines).length > 0);
  return (
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
      {pressure && (
        <p className={pressure.status === 'True' ? 'warning' : 'hint'} role={pressure.status === 'True' ? 'alert' : undefined}>
          QuotaPressure: {pressure.status}
          {pressure.reason ? ` (${pressure.reason})` : ''}
          {pressure.message ? ` — ${pressure.message}` : ''}
        </p>
      )}
      <Problem problem={usage.error} what="read this tenant's usage" />
      {u && clusters.length === 0 && <p className="hint">No cluster has reported usage yet.</p>}
      {u && clusters.length > 0 && (
        <table aria-label="Quota usage">
          <thead>
            <tr>
              <th scope="col">Cluster</th>
              <th scope="col">Resource</th>
              <th scope="col">Used</th>
              <th scope="col">Hard</th>
              <th scope="col">Usage</th>
            </tr>
          </thead>
          <tbody>
            {clusters.flatMap(([cluster, lines]) =>
              Object.entries(lines).map(([resource, line]) => (
                <tr key={`${cluster}/${resource}`}>
                  <td>{cluster}</td>
                  <td>{resource}</td>
                  <UsageMeter line={line} label={`${resource} on ${cluster}`} levels={levels} />
                </tr>
              )),
            )}
            {clusters.length > 1 &&
              Object.entries(u.total).map(([resource, line]) => (
                <tr key={`total/${resource}`} className="total">
                  <th scope="row">All clusters</th>
                  <td>{resource}</td>
                  <UsageMeter line={line} label={`${resource} on all clusters`} levels={levels} />
                </tr>
              ))}
          </tbody>
        </table>
      )}
      {u?.updatedAt && <p className="hint">Usage as reported by the clusters, {when(u.updatedAt)}.</p>}
      <UsageTrends tenant={tenant} />
    </Section>
  );
}

type Sample = { at: string; cluster: string; resource: string; hard: number; used: number };
const percent = (s: Sample) => (s.hard > 0 ? Math.round((s.used / s.hard) * 100) : 0);

/** How each cluster's use of each quota moved over the last 24 h: the usage tracker's samples
 *  (one every 5 min by default, docs/usage.md), read again every minute. */
function UsageTrends({ tenant }: { tenant: string }) {
  const history = useData(async () => ok(api.GET('/api/v1/tenants/{name}/usage/history', { params: { path: { name: tenant } } })), [tenant], {
    everyMs: 60_000,
  });
  const series = useMemo(() => {
    const by = new Map<string, Sample[]>();
    for (const s of history.data?.items ?? []) by.set(`${s.cluster}\u0000${s.resource}`, [...(by.get(`${s.cluster}\u0000${s.resource}`) ?? []), s]);
    return [...by.values()].filter((samples) => samples.length > 1);
  }, [history.data]);
  if (series.length === 0) return null;
  return (
    <figure className="trends">
      <figcaption>Usage over the last 24 h (used of hard)</figcaption>
      <ul aria-label="Usage trends">
        {series.map((samples) => (
          <li key={`${samples[0]!.cluster}/${samples[0]!.resource}`}>
            <span>
              {samples[0]!.cluster} {samples[0]!.resource}
            </span>{' '}
            <span>
              <Sparkline samples={samples} label={`${samples[0]!.resource} on ${samples[0]!.cluster}`} /> {percent(samples.at(-1)!)} %
            </span>
          </li>
        ))}
      </ul>
    </figure>
  );
}

/** One series as a line of used/hard over time (0 at the bottom, the quota at the top). */
function Sparkline({ samples, label }: { samples: readonly Sample[]; label: string }) {
  const width = 160;
  const height = 28;
  const t0 = Date.parse(samples[0]!.at);
  const span = Math.max(Date.parse(samples.at(-1)!.at) - t0, 1);
  const points = samples
    .map((s) => `${(((Date.parse(s.at) - t0) / span) * width).toFixed(1)},${(height - (Math.min(percent(s), 100) / 100) * height).toFixed(1)}`)
    .join(' ');
  const peak = Math.max(...samples.map(percent));
  return (
    <svg
      role="img"
      aria-label={`${label}: ${percent(samples[0]!)} % → ${percent(samples.at(-1)!)} % (peak ${peak} %), ${samples.length} samples`}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      className="sparkline"
    >
      <line x1={0} y1={0} x2={width} y2={0} className="quota-line" />
      <polyline points={points} fill="none" stroke="currentColor" strokeWidth={1.5} />
    </svg>
  );
}

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

function NewApp({ projects }: { projects: string[] }) {
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
