// Kubeconfig grants of a tenant: issue one (role or verbs, project or whole tenant, TTL), shown
// ONCE with copy and download; the list with expiry and state; revoke.
import { useState, type FormEvent } from 'react';
import { Link, useLocation } from 'wouter';
import type { Resource } from '../../../src/domain/resource.js';
import { api, ok, type ApiProblem } from '../api/client';
import { allPages, useData } from '../data';
import { useRights } from '../rights';
import { Problem, Section, SelectField, when } from '../ui';

const GRANT_ROLES = ['view', 'edit', 'admin'] as const;

export default function Grants({ tenant }: { tenant?: string }) {
  const tenants = useData(
    async () =>
      (await allPages((cursor) => ok(api.GET('/api/v1/tenants', { params: { query: { limit: 500, ...(cursor && { cursor }) } } })))) as unknown as Resource[],
    [],
  );
  const [, navigate] = useLocation();
  if (tenants.error) return <Problem problem={tenants.error} what="list tenants" />;
  if (!tenants.data) return <p className="loading">Loading…</p>;
  const current = tenant ?? tenants.data[0]?.name;
  if (!current) return <p>You have no tenant.</p>;
  return (
    <>
      <div className="page-head">
        <h1>Kubeconfigs of {current}</h1>
        {tenants.data.length > 1 && (
          <SelectField label="Tenant" value={current} onChange={(e) => navigate(`/tenants/${e.target.value}/kubeconfigs`)}>
            {tenants.data.map((t) => (
              <option key={t.name}>{t.name}</option>
            ))}
          </SelectField>
        )}
        <Link href={`/tenants/${current}`}>Tenant {current}</Link>
      </div>
      <GrantsOf key={current} tenant={current} placement={Object.keys(tenants.data.find((t) => t.name === current)?.status.clusters ?? {})} />
    </>
  );
}

function GrantsOf({ tenant, placement }: { tenant: string; placement: string[] }) {
  const rights = useRights();
  const grants = useData(
    async () =>
      (await allPages((cursor) =>
        ok(api.GET('/api/v1/tenants/{name}/kubeconfiggrants', { params: { path: { name: tenant }, query: { limit: 500, ...(cursor && { cursor }) } } })),
      )) as unknown as Resource[],
    [tenant],
  );
  const projects = useData(
    async () =>
      (await allPages((cursor) =>
        ok(api.GET('/api/v1/tenants/{name}/projects', { params: { path: { name: tenant }, query: { limit: 500, ...(cursor && { cursor }) } } })),
      )) as unknown as Resource[],
    [tenant],
  );
  const [problem, setProblem] = useState<ApiProblem>();
  const mayIssue = rights.can('Tenant', 'issue-kubeconfig', tenant) || rights.can('Project', 'issue-kubeconfig', tenant);
  const mayRevoke = rights.can('KubeconfigGrant', 'delete', tenant);
  const revoke = async (name: string) => {
    try {
      await ok(api.DELETE('/api/v1/kubeconfiggrants/{name}', { params: { path: { name } } }));
      setProblem(undefined);
      grants.reload();
    } catch (err) {
      setProblem(err as ApiProblem);
    }
  };
  return (
    <div className="grid">
      {mayIssue && <Issue tenant={tenant} clusters={placement} projects={(projects.data ?? []).map((p) => p.name)} onIssued={grants.reload} />}
      <Section title="Grants">
        <Problem problem={grants.error ?? problem} what="manage kubeconfig grants" />
        <table aria-label="Kubeconfig grants">
          <thead>
            <tr>
              <th scope="col">Grant</th>
              <th scope="col">Subject</th>
              <th scope="col">Cluster</th>
              <th scope="col">Access</th>
              <th scope="col">State</th>
              <th scope="col">Expires</th>
              {mayRevoke && <th scope="col">Revoke</th>}
            </tr>
          </thead>
          <tbody>
            {(grants.data ?? []).map((g) => {
              const spec = g.spec as { subject?: string; cluster?: string; role?: string; verbs?: string[]; project?: string };
              const status = g.status as { state?: string; expiresAt?: string };
              return (
                <tr key={g.name} data-grant={g.name}>
                  <td>{g.name}</td>
                  <td>{spec.subject}</td>
                  <td>{spec.cluster}</td>
                  <td>
                    {spec.role ?? spec.verbs?.join(', ')} in {spec.project ?? `all of ${tenant}`}
                  </td>
                  <td>{g.deletionTimestamp ? 'Revoking' : (status.state ?? g.status.phase)}</td>
                  <td>{when(status.expiresAt)}</td>
                  {mayRevoke && (
                    <td>
                      {!g.deletionTimestamp && (
                        <button type="button" className="danger" onClick={() => void revoke(g.name)} aria-label={`Revoke ${g.name}`}>
                          Revoke
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </Section>
    </div>
  );
}

function Issue({ tenant, clusters, projects, onIssued }: { tenant: string; clusters: string[]; projects: string[]; onIssued(): void }) {
  const [cluster, setCluster] = useState(clusters[0] ?? '');
  const [project, setProject] = useState('');
  const [role, setRole] = useState<(typeof GRANT_ROLES)[number]>('view');
  const [hours, setHours] = useState(1);
  const [problem, setProblem] = useState<ApiProblem>();
  // The issued kubeconfig: in this component's state only, dropped when the user closes it.
  const [issued, setIssued] = useState<{ grant: string; kubeconfig: string }>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body = { cluster: cluster || clusters[0], role, ttlSeconds: Math.round(hours * 3600) } as never;
    try {
      const res = (await ok(
        project
          ? api.POST('/api/v1/projects/{name}:issue-kubeconfig', { params: { path: { name: project } }, body })
          : api.POST('/api/v1/tenants/{name}:issue-kubeconfig', { params: { path: { name: tenant } }, body }),
      )) as { grant: { name: string }; kubeconfig: string };
      setIssued({ grant: res.grant.name, kubeconfig: res.kubeconfig });
      setProblem(undefined);
      onIssued();
    } catch (err) {
      setProblem(err as ApiProblem);
    }
  };
  if (issued) return <Revealed {...issued} onClose={() => setIssued(undefined)} />;
  return (
    <Section title="Issue a kubeconfig">
      <form onSubmit={submit} className="inline-form" aria-label="Issue a kubeconfig">
        <SelectField label="Cluster" value={cluster} onChange={(e) => setCluster(e.target.value)}>
          {clusters.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </SelectField>
        <SelectField label="Scope" value={project} onChange={(e) => setProject(e.target.value)}>
          <option value="">whole tenant</option>
          {projects.map((p) => (
            <option key={p} value={p}>
              project {p}
            </option>
          ))}
        </SelectField>
        <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value as typeof role)}>
          {GRANT_ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </SelectField>
        <label>
          Valid for (hours)
          <input type="number" min={0.17} max={168} step="any" value={hours} onChange={(e) => setHours(Number(e.target.value))} />
        </label>
        <button type="submit" className="primary">
          Issue kubeconfig
        </button>
      </form>
      <Problem problem={problem} what="issue this kubeconfig" />
    </Section>
  );
}

function Revealed({ grant, kubeconfig, onClose }: { grant: string; kubeconfig: string; onClose(): void }) {
  const [copied, setCopied] = useState(false);
  const download = () => {
    const url = URL.createObjectURL(new Blob([kubeconfig], { type: 'application/yaml' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${grant}.kubeconfig`;
    a.click();
    URL.revokeObjectURL(url);
  };
  return (
    <section className="card reveal" aria-labelledby="reveal-title">
      <h2 id="reveal-title">Kubeconfig of grant {grant}</h2>
      <p role="alert" className="warning">
        This kubeconfig is shown only now: KubeNova does not keep its token. Copy or download it before you close this.
      </p>
      <label htmlFor="kubeconfig">Kubeconfig</label>
      <textarea id="kubeconfig" className="code" readOnly rows={12} value={kubeconfig} />
      <div className="actions">
        <button
          type="button"
          onClick={() =>
            void navigator.clipboard?.writeText(kubeconfig).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" onClick={download}>
          Download
        </button>
        <button type="button" className="primary" onClick={onClose}>
          I have saved it, close
        </button>
      </div>
    </section>
  );
}
