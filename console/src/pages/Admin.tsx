// Platform admin: clusters, tenants and policy sets (created, and viewed and edited as JSON with
// If-Match, with the API's own validation errors shown at the field), definitions, the fleet view of everything Drifted or in Error, the audit log.
import { useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import type { Kind, Resource } from '../../../src/domain/resource.js';
import { api, ok, type ApiProblem } from '../api/client';
import type { operations } from '../api/schema';
import { allPages, useData } from '../data';
import { FieldErrors, fieldErrors, JsonEditor, type ItemPath } from '../editor';
import { useRights } from '../rights';
import { ClusterBootstrap } from './Bootstrap';
import { fieldProblem, Phase, Problem, Section, when } from '../ui';

const TABS = [
  ['fleet', 'Fleet'],
  ['clusters', 'Clusters'],
  ['tenants', 'Tenants'],
  ['policysets', 'Policy sets'],
  ['definitions', 'Definitions'],
  ['audit', 'Audit log'],
] as const;
type Tab = (typeof TABS)[number][0];
type Collection = '/api/v1/clusters' | '/api/v1/tenants' | '/api/v1/projects' | '/api/v1/apps' | '/api/v1/policysets' | '/api/v1/definitions';
const KINDS = {
  '/api/v1/clusters': 'Cluster',
  '/api/v1/tenants': 'Tenant',
  '/api/v1/projects': 'Project',
  '/api/v1/apps': 'App',
  '/api/v1/policysets': 'PolicySet',
  '/api/v1/definitions': 'Definition',
} as const satisfies Record<Collection, Kind>;

/** Every object of a collection, every page. */
const listAll = async (path: Collection): Promise<Resource[]> =>
  (await allPages((cursor) => ok(api.GET(path, { params: { query: { limit: 500, ...(cursor && { cursor }) } } }) as never))) as Resource[];

export default function Admin({ tab }: { tab?: string }) {
  const current: Tab = (TABS.find(([t]) => t === tab)?.[0] ?? 'fleet') as Tab;
  return (
    <>
      <h1>Platform</h1>
      <nav aria-label="Platform sections" className="tabs">
        {TABS.map(([t, label]) => (
          <Link key={t} href={`/admin/${t}`} aria-current={t === current ? 'page' : undefined}>
            {label}
          </Link>
        ))}
      </nav>
      {current === 'fleet' && <Fleet />}
      {current === 'clusters' && <Objects path="/api/v1/clusters" title="Clusters" details={clusterDetails} />}
      {current === 'tenants' && (
        <Objects path="/api/v1/tenants" title="Tenants" creatable example={{ owners: [{ kind: 'User', name: 'alice' }], quotas: { namespaces: 3 } }} />
      )}
      {current === 'policysets' && <Objects path="/api/v1/policysets" title="Policy sets" creatable example={{ defaultQuotas: { pods: 50 } }} />}
      {current === 'definitions' && <Objects path="/api/v1/definitions" title="Definitions" />}
      {current === 'audit' && <Audit />}
    </>
  );
}

const ready = (r: Resource) => r.status.conditions.find((c) => c.type === 'Ready');

function clusterDetails(c: Resource) {
  const caps = (c.status.capabilities ?? {}) as Record<string, unknown>;
  const agent = c.status.agentToken as { expiresAt?: string } | undefined;
  const boot = c.status.bootstrap as { phase: string; dryRun: boolean; startedAt: string; finishedAt?: string } | undefined;
  return (
    <>
      <div>Capabilities: {Object.keys(caps).join(', ') || '—'}</div>
      {agent?.expiresAt && <div>Agent token expires {when(agent.expiresAt)}</div>}
      <div>Bootstrap: {boot ? `${boot.phase}${boot.dryRun ? ' (dry run)' : ''}, ${when(boot.finishedAt ?? boot.startedAt)}` : 'never'}</div>
      <div>
        {c.status.conditions.map((k) => (
          <span key={k.type} className={`cond cond-${k.status.toLowerCase()}`} title={k.message}>
            {k.type}: {k.status}
          </span>
        ))}
      </div>
    </>
  );
}

/** Everything Drifted or in Error, of every kind with a live phase, across all tenants. */
function Fleet() {
  const all = useData(async () => {
    const kinds: Collection[] = ['/api/v1/clusters', '/api/v1/tenants', '/api/v1/projects', '/api/v1/apps'];
    const lists = await Promise.all(kinds.map(listAll));
    return lists.flat().filter((r) => r.status.phase === 'Drifted' || r.status.phase === 'Error');
  }, []);
  return (
    <Section title="Drifted or in error">
      <Problem problem={all.error} what="read the fleet" />
      {all.data && all.data.length === 0 && <p>Everything is Deployed, Applying or Pending.</p>}
      <table aria-label="Fleet">
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">Name</th>
            <th scope="col">Tenant</th>
            <th scope="col">Phase</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {(all.data ?? []).map((r) => (
            <tr key={`${r.kind}/${r.name}`} data-object={`${r.kind}/${r.name}`}>
              <td>{r.kind}</td>
              <td>{r.kind === 'App' ? <Link href={`/apps/${r.name}`}>{r.name}</Link> : r.name}</td>
              <td>{r.tenant ?? '—'}</td>
              <td>
                <Phase phase={r.status.phase} />
              </td>
              <td>
                {Object.entries(r.status.clusters ?? {})
                  .filter(([, c]) => c.phase === r.status.phase)
                  .map(([name, c]) => `${name}: ${c.conditions.find((k) => k.status !== 'True')?.message ?? c.phase}`)
                  .join('; ') || ready(r)?.message}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

function Objects({
  path,
  title,
  details,
  creatable,
  example,
}: {
  path: Collection;
  title: string;
  details?: (r: Resource) => React.ReactNode;
  creatable?: boolean;
  example?: unknown;
}) {
  const rights = useRights();
  const list = useData(() => listAll(path), [path]);
  const kind = KINDS[path];
  const [selected, setSelected] = useState<string>();
  const [bootstrapping, setBootstrapping] = useState<string>();
  const open = list.data?.find((r) => r.name === selected);
  const bootstrapOf = list.data?.find((r) => r.name === bootstrapping);
  return (
    <div className="grid">
      {creatable && (kind === 'Tenant' || kind === 'PolicySet') && rights.can(kind, 'create') && (
        <CreateObject path={path as '/api/v1/tenants'} title={`New ${kind}`} example={example} onDone={list.reload} />
      )}
      {kind === 'Cluster' && bootstrapOf && (
        <ClusterBootstrap
          key={bootstrapOf.name}
          cluster={bootstrapOf}
          canBootstrap={rights.can('Cluster', 'bootstrap')}
          onClose={() => setBootstrapping(undefined)}
        />
      )}
      {open && (
        <JsonEditor
          key={open.name}
          object={open}
          path={`${path}/{name}` as ItemPath}
          title={`${kind} ${open.name}`}
          what={`change ${kind} ${open.name}`}
          canEdit={rights.can(kind, 'update', kind === 'Tenant' ? open.name : open.tenant)}
          onSaved={list.reload}
          onClose={() => setSelected(undefined)}
        />
      )}
      <Section title={title}>
        <Problem problem={list.error} what={`list ${title.toLowerCase()}`} />
        <table aria-label={title}>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Phase</th>
              <th scope="col">Details</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(list.data ?? []).map((r) => (
              <tr key={r.name}>
                <td>{r.kind === 'Tenant' ? <Link href={`/tenants/${r.name}`}>{r.name}</Link> : r.name}</td>
                <td>
                  <Phase phase={r.status.phase} />
                </td>
                <td>{details ? details(r) : ready(r)?.message}</td>
                <td>
                  <button type="button" aria-label={`JSON of ${r.name}`} aria-pressed={r.name === selected} onClick={() => setSelected(r.name)}>
                    JSON
                  </button>
                  {kind === 'Cluster' && (
                    <button
                      type="button"
                      aria-label={`Bootstrap of ${r.name}`}
                      aria-pressed={r.name === bootstrapping}
                      onClick={() => setBootstrapping(r.name)}
                    >
                      Bootstrap
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
    </div>
  );
}

/** A new object from a name and its spec as JSON; the API's validation errors appear at the field
 *  they name (body/name under the name, body/spec/... under the spec). */
function CreateObject({ path, title, example, onDone }: { path: '/api/v1/tenants' | '/api/v1/policysets'; title: string; example: unknown; onDone(): void }) {
  const [name, setName] = useState('');
  const [spec, setSpec] = useState(JSON.stringify(example, null, 2));
  const [problem, setProblem] = useState<ApiProblem>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(spec);
    } catch (err) {
      setProblem({ status: 0, code: 'JSON', message: 'the spec is not valid JSON', details: [{ field: 'body/spec', reason: (err as Error).message }] });
      return;
    }
    try {
      await ok(api.POST(path, { body: { name, spec: parsed } as never }));
      setProblem(undefined);
      setName('');
      onDone();
    } catch (err) {
      setProblem(err as ApiProblem);
    }
  };
  const nameError = fieldProblem(problem, 'name');
  const specErrors = fieldErrors(problem, ['spec']);
  const id = title.toLowerCase().replace(/\W+/g, '-');
  return (
    <Section title={title}>
      <form onSubmit={submit} aria-label={title}>
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          value={name}
          onChange={(e) => setName(e.target.value)}
          aria-invalid={!!nameError}
          aria-describedby={nameError ? `${id}-name-err` : undefined}
        />
        {nameError && (
          <p id={`${id}-name-err`} className="field-error">
            {nameError}
          </p>
        )}
        <label htmlFor={`${id}-spec`}>Spec (JSON)</label>
        <textarea
          id={`${id}-spec`}
          className="code"
          rows={8}
          value={spec}
          onChange={(e) => setSpec(e.target.value)}
          aria-invalid={specErrors.length > 0}
          aria-describedby={specErrors.length ? `${id}-spec-err` : undefined}
          spellCheck={false}
        />
        <FieldErrors id={`${id}-spec-err`} problem={problem} prefixes={['spec']} />
        <button type="submit" className="primary">
          Create
        </button>
      </form>
      {problem && !nameError && specErrors.length === 0 && <Problem problem={problem} what={title.toLowerCase()} />}
    </Section>
  );
}

type AuditFilters = NonNullable<operations['listAuditRecords']['parameters']['query']>;

function Audit() {
  const [filters, setFilters] = useState<AuditFilters>({});
  const [draft, setDraft] = useState<Record<string, string>>({});
  const page = useData(() => ok(api.GET('/api/v1/audit', { params: { query: { ...filters, limit: 100 } } })), [JSON.stringify(filters)]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setFilters(Object.fromEntries(Object.entries(draft).filter(([, v]) => v)) as AuditFilters);
  };
  const field = (key: 'actor' | 'kind' | 'name' | 'tenant' | 'outcome', label: string) => (
    <label>
      {label}
      <input value={draft[key] ?? ''} onChange={(e) => setDraft({ ...draft, [key]: e.target.value })} />
    </label>
  );
  return (
    <Section title="Audit log">
      <form onSubmit={submit} className="inline-form" aria-label="Audit filters">
        {field('actor', 'Actor')}
        {field('kind', 'Kind')}
        {field('name', 'Name')}
        {field('tenant', 'Tenant')}
        {field('outcome', 'Outcome')}
        <button type="submit">Filter</button>
      </form>
      <Problem problem={page.error} what="read the audit log" />
      <table aria-label="Audit records">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Object</th>
            <th scope="col">Outcome</th>
            <th scope="col">Request</th>
          </tr>
        </thead>
        <tbody>
          {(page.data?.items ?? []).map((r) => (
            <tr key={r.id}>
              <td>{when(r.time)}</td>
              <td>{r.actor}</td>
              <td>{r.action}</td>
              <td>{[r.kind, r.name].filter(Boolean).join(' ')}</td>
              <td>
                {r.outcome} ({r.status})
              </td>
              <td>
                <code>{r.requestId}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}
