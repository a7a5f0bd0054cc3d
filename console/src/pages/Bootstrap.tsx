// A cluster's bootstrap (Capsule, capsule-proxy, vela-core with Helm, docs/clusters.md): the last
// run's status (`status.bootstrap`), and a form that sends an admin kubeconfig once, for a dry run
// (the plan: what would be installed where) or the bootstrap itself. The kubeconfig is read from
// the chosen file or the text area, sent in that one request, and cleared from the page; it is
// never stored.
import { useId, useState, type FormEvent } from 'react';
import type { Resource } from '../../../src/domain/resource.js';
import { api, ok, type ApiProblem } from '../api/client';
import type { operations } from '../api/schema';
import { installedNow, statusTone, type Report } from '../bootstrap-report';
import { FieldErrors } from '../editor';
import { Problem, Section, when } from '../ui';

type BootstrapBody = operations['bootstrapCluster']['requestBody']['content']['application/json'];

function ReportTable({ report, label }: { report: Report; label: string }) {
  return (
    <>
      <p>
        {report.dryRun ? 'Plan (dry run, nothing changed)' : 'Bootstrap'}: <strong>{report.phase}</strong> — {report.message}
        {report.finishedAt ? ` (${when(report.finishedAt)})` : ''}
      </p>
      <p className="hint">Charts from {report.chartSource}.</p>
      <table aria-label={label} className="report">
        <thead>
          <tr>
            <th scope="col">Component</th>
            <th scope="col">Chart</th>
            <th scope="col">Release / namespace</th>
            <th scope="col">Installed before</th>
            <th scope="col">Status</th>
            <th scope="col">What happens</th>
          </tr>
        </thead>
        <tbody>
          {report.components.map((c) => (
            <tr key={c.name}>
              <td>{c.name}</td>
              <td>
                {c.chart} {c.version}
              </td>
              <td>{c.release ? `${c.release} / ${c.namespace ?? ''}` : '—'}</td>
              <td>{installedNow(c)}</td>
              <td>
                <span className={`phase phase-${statusTone(c.status)}`}>{c.status}</span>
              </td>
              <td>
                {c.message ?? ''}
                {c.values && (
                  <details>
                    <summary>Values for Helm</summary>
                    <pre aria-label={`Values of ${c.name}`}>{JSON.stringify(c.values, null, 2)}</pre>
                  </details>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function ClusterBootstrap({ cluster, canBootstrap, onClose }: { cluster: Resource; canBootstrap: boolean; onClose(): void }) {
  const id = useId();
  const [text, setText] = useState('');
  const [dryRun, setDryRun] = useState(true);
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<Report>();
  const [problem, setProblem] = useState<ApiProblem>();
  const last = cluster.status.bootstrap as Report | undefined;
  const readFile = async (file: File | undefined) => setText(file ? await file.text() : '');
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const kubeconfig = btoa(String.fromCharCode(...new TextEncoder().encode(text)));
    // Sent once: dropped from the page before the answer comes.
    setText('');
    form.reset();
    setBusy(true);
    setProblem(undefined);
    setReport(undefined);
    try {
      const body: BootstrapBody = { kubeconfig, dryRun };
      setReport((await ok(api.POST('/api/v1/clusters/{name}:bootstrap', { params: { path: { name: cluster.name } }, body }))) as unknown as Report);
    } catch (err) {
      setProblem(err as ApiProblem);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section
      title={`Bootstrap of ${cluster.name}`}
      wide
      actions={
        <button type="button" onClick={onClose}>
          Close
        </button>
      }
    >
      {last ? <ReportTable report={last} label="Last bootstrap" /> : <p>Never bootstrapped through KubeNova.</p>}
      {canBootstrap && (
        <form onSubmit={(e) => void submit(e)} aria-label={`Bootstrap ${cluster.name}`}>
          <p className="hint">
            Helm needs cluster-admin rights, which KubeNova does not keep: give an admin kubeconfig. It is sent with this request only and cleared from this
            page; it is never stored.
          </p>
          <label htmlFor={`${id}-file`}>Admin kubeconfig file</label>
          <input id={`${id}-file`} type="file" onChange={(e) => void readFile(e.target.files?.[0])} />
          <label htmlFor={`${id}-text`}>or paste it</label>
          <textarea
            id={`${id}-text`}
            className="code"
            rows={6}
            value={text}
            onChange={(e) => setText(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            required
            aria-describedby={`${id}-err`}
          />
          <FieldErrors id={`${id}-err`} problem={problem} prefixes={['kubeconfig']} />
          <label>
            <input type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} /> Dry run: show the plan, change nothing
          </label>
          <div className="actions">
            <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
              {dryRun ? 'Show plan' : 'Bootstrap'}
            </button>
          </div>
        </form>
      )}
      {busy && <p role="status">Running Helm… (a bootstrap can take minutes)</p>}
      {problem && !problem.details?.some((d) => d.field === 'body/kubeconfig') && <Problem problem={problem} what={`bootstrap ${cluster.name}`} />}
      {report && <ReportTable report={report} label={report.dryRun ? 'Bootstrap plan' : 'Bootstrap result'} />}
    </Section>
  );
}
