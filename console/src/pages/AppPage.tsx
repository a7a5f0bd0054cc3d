// App: rollout (revision, workflow steps, component health per cluster), revisions with a diff of
// any two, rollback showing its diff before confirming, workflow control, and a JSON editor that
// writes with If-Match so a stale edit is refused rather than overwriting someone else's.
import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import type { Resource } from '../../../src/domain/resource.js';
import { api, ok, type ApiProblem } from '../api/client';
import type { operations } from '../api/schema';
import { allPages, useData } from '../data';
import { JsonEditor } from '../editor';
import { useRights } from '../rights';
import { JsonDiff, Phase, Problem, Section, SelectField, when } from '../ui';

/** One revision as the API answers it (generated from /openapi.json). */
type Revision = operations['listAppRevisions']['responses'][200]['content']['application/json']['items'][number];

interface Step {
  name: string;
  type?: string;
  phase?: string;
  message?: string;
  reason?: string;
}

interface ClusterView {
  phase: string;
  reason?: string;
  message?: string;
  state?: string;
  revision?: { name: string };
  workflow?: { suspended: boolean; terminated: boolean; finished: boolean; message?: string; steps: Step[] };
  components?: { name: string; healthy: boolean; message?: string }[];
}

export default function AppPage({ name }: { name: string }) {
  const rights = useRights();
  const app = useData(async () => (await ok(api.GET('/api/v1/apps/{name}', { params: { path: { name } } }))) as unknown as Resource, [name]);
  const rollout = useData(
    async () =>
      (await ok(api.GET('/api/v1/apps/{name}/rollout', { params: { path: { name } } }))) as unknown as {
        phase: string;
        generation: number;
        observedGeneration?: number;
        revision?: string;
        clusters: Record<string, ClusterView>;
      },
    [name],
  );
  const revisions = useData(
    async () =>
      (await allPages((cursor) =>
        ok(api.GET('/api/v1/apps/{name}/revisions', { params: { path: { name }, query: { limit: 500, ...(cursor && { cursor }) } } })),
      )) as Revision[],
    [name],
  );
  const [problem, setProblem] = useState<ApiProblem>();
  if (app.error) return <Problem problem={app.error} what="read this app" />;
  const a = app.data;
  if (!a) return <p className="loading">Loading…</p>;
  const tenant = a.tenant;
  const control = async (action: 'suspend' | 'resume' | 'terminate') => {
    const path = `/api/v1/apps/{name}:${action}` as const;
    try {
      await ok(api.POST(path, { params: { path: { name } }, body: {} as never }));
      setProblem(undefined);
    } catch (err) {
      setProblem(err as ApiProblem);
    }
  };
  const views = Object.values(rollout.data?.clusters ?? {});
  const suspended = views.some((c) => c.workflow?.suspended);
  const running = views.some((c) => c.workflow && !c.workflow.finished && !c.workflow.terminated && !c.workflow.suspended);
  const mayControl = rights.can('App', 'control-workflow', tenant);
  return (
    <div className="grid">
      <div className="page-head">
        <h1>
          App {a.name} <Phase phase={a.status.phase} />
        </h1>
        {tenant && <Link href={`/tenants/${tenant}`}>Tenant {tenant}</Link>}
        {mayControl && (
          <div className="actions" role="group" aria-label="Workflow">
            {running && (
              <button type="button" onClick={() => void control('suspend')}>
                Suspend
              </button>
            )}
            {suspended && (
              <button type="button" onClick={() => void control('resume')}>
                Resume
              </button>
            )}
            {(running || suspended) && (
              <button type="button" className="danger" onClick={() => void control('terminate')}>
                Terminate
              </button>
            )}
          </div>
        )}
      </div>
      <Problem problem={problem} what="control this app's workflow" />
      <Section title="Rollout">
        <Problem problem={rollout.error} what="read the rollout" />
        {rollout.data && (
          <>
            <p>
              Generation {rollout.data.generation}, observed {rollout.data.observedGeneration ?? '—'}; revision {rollout.data.revision ?? '—'}
            </p>
            {Object.entries(rollout.data.clusters).map(([cluster, c]) => (
              <div key={cluster} className="cluster">
                <h3>
                  {cluster} <Phase phase={c.phase} /> {c.state && <span className="hint">{c.state}</span>}
                </h3>
                {c.message && <p>{c.message}</p>}
                {c.workflow && (
                  <ol className="steps" aria-label={`Workflow steps on ${cluster}`}>
                    {c.workflow.steps.map((s) => (
                      <li key={s.name}>
                        {s.name} {s.type && `(${s.type})`}: <strong>{s.phase ?? 'pending'}</strong> {s.message}
                      </li>
                    ))}
                  </ol>
                )}
                {c.components && (
                  <ul className="components" aria-label={`Components on ${cluster}`}>
                    {c.components.map((k) => (
                      <li key={k.name}>
                        {k.name}: {k.healthy ? 'healthy' : `unhealthy${k.message ? `: ${k.message}` : ''}`}
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            ))}
          </>
        )}
      </Section>
      <RevisionsSection name={name} app={a} revisions={revisions.data ?? []} mayRollback={rights.can('App', 'rollback', tenant)} />
      <JsonEditor
        object={a}
        path="/api/v1/apps/{name}"
        title="Spec"
        what="change this app"
        canEdit={rights.can('App', 'update', tenant)}
        onSaved={app.reload}
      />
    </div>
  );
}

function RevisionsSection({ name, app, revisions, mayRollback }: { name: string; app: Resource; revisions: Revision[]; mayRollback: boolean }) {
  const newest = revisions[0]?.revision;
  const [from, setFrom] = useState<number>();
  const [to, setTo] = useState<number>();
  const [target, setTarget] = useState<number>();
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<ApiProblem>();
  const [done, setDone] = useState<string>();
  useEffect(() => {
    if (to === undefined && newest !== undefined) setTo(newest);
    if (from === undefined && revisions[1]) setFrom(revisions[1].revision);
  }, [newest, revisions, from, to]);
  const byNumber = (n: number | undefined) => revisions.find((r) => r.revision === n);
  const targetRev = byNumber(target);
  const rollback = async () => {
    try {
      const res = await ok(
        api.POST('/api/v1/apps/{name}:rollback', { params: { path: { name } }, body: { revision: target, ...(reason && { reason }) } as never }),
      );
      setDone(`Rolled back to revision ${(res as { toRevision: number }).toRevision}.`);
      setTarget(undefined);
      setReason('');
      setProblem(undefined);
    } catch (err) {
      setProblem(err as ApiProblem);
    }
  };
  const select = (label: string, value: number | undefined, set: (n: number) => void) => (
    <SelectField label={label} value={value ?? ''} onChange={(e) => set(Number(e.target.value))}>
      <option value="" disabled>
        choose
      </option>
      {revisions.map((r) => (
        <option key={r.revision} value={r.revision}>
          {r.revision}
        </option>
      ))}
    </SelectField>
  );
  return (
    <Section title="Revisions">
      <table>
        <thead>
          <tr>
            <th scope="col">Revision</th>
            <th scope="col">Outcome</th>
            <th scope="col">Change</th>
            <th scope="col">By</th>
            <th scope="col">Reason</th>
            <th scope="col">When</th>
            {mayRollback && <th scope="col">Rollback</th>}
          </tr>
        </thead>
        <tbody>
          {revisions.map((r) => (
            <tr key={r.revision}>
              <td>{r.revision}</td>
              <td>
                {r.outcome.state}
                {r.outcome.message ? `: ${r.outcome.message}` : ''}
              </td>
              <td>
                {r.change.type}
                {r.change.type === 'rolled-back' && ` ${r.change.from} → ${r.change.to}`}
              </td>
              <td>{r.actor}</td>
              <td>{r.reason ?? ''}</td>
              <td>{when(r.createdAt)}</td>
              {mayRollback && (
                <td>
                  {r.revision !== app.generation && (
                    <button type="button" onClick={() => setTarget(r.revision)} aria-label={`Roll back to revision ${r.revision}`}>
                      Roll back…
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      <div className="inline-form" role="group" aria-label="Compare revisions">
        {select('Compare revision', from, setFrom)}
        {select('with revision', to, setTo)}
      </div>
      {byNumber(from) && byNumber(to) && <JsonDiff from={byNumber(from)!.spec} to={byNumber(to)!.spec} label={`Spec changes from revision ${from} to ${to}`} />}
      {done && <p role="status">{done}</p>}
      {targetRev && (
        <div className="confirm" role="dialog" aria-modal="false" aria-labelledby="rb-title">
          <h3 id="rb-title">Roll back to revision {targetRev.revision}?</h3>
          <JsonDiff from={app.spec} to={targetRev.spec} label="What the rollback changes in the current spec" />
          <label>
            Reason
            <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder={`rollback to revision ${targetRev.revision}`} />
          </label>
          <div className="actions">
            <button type="button" className="primary" onClick={() => void rollback()}>
              Confirm rollback
            </button>
            <button type="button" onClick={() => setTarget(undefined)}>
              Cancel
            </button>
          </div>
          <Problem problem={problem} what="roll back this app" />
        </div>
      )}
    </Section>
  );
}
