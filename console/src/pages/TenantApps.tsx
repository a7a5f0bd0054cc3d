// The tenant home's apps, a page at a time: the API pages them (cursor), filters them by a part of
// the name and by phase, and counts them, so a tenant with thousands of apps shows its first rows
// without reading the rest. Every live tick reads the page on screen (and the count) again. With a
// correlation id chosen, the apps its events name instead, read one by one.
import { useEffect, useState, type ReactNode } from 'react';
import { Link } from 'wouter';
import { PHASES, type Resource } from '../../../src/domain/resource.js';
import { api, ok } from '../api/client';
import { useData, useDebounced } from '../data';
import { Phase, Problem, Section, SelectField } from '../ui';

export const APPS_PER_PAGE = 50;
/** Names are DNS labels: anything else in the filter matches no app (and the API refuses it). */
const NAME_TEXT = /^[-a-z0-9]*$/;
const ATTENTION = 'Error,Drifted';

interface Filter {
  name: string;
  phase: string;
}

export function TenantApps({
  tenant,
  touched,
  actions,
  onLoaded,
}: {
  tenant: string;
  /** `Kind/name` of what the chosen request touched; only those apps are shown. */
  touched: Set<string> | undefined;
  actions?: ReactNode;
  /** Called once the first rows are on screen. */
  onLoaded(loaded: true): void;
}) {
  const [text, setText] = useState('');
  const [phase, setPhase] = useState('');
  const typed = text.trim().toLowerCase();
  const name = useDebounced(typed, 250);
  const nameValid = NAME_TEXT.test(typed);
  const filter: Filter = { name: NAME_TEXT.test(name) ? name : '', phase };
  return (
    <Section title="Apps" actions={actions}>
      {touched ? (
        <TouchedApps names={[...touched].filter((k) => k.startsWith('App/')).map((k) => k.slice('App/'.length))} />
      ) : (
        <>
          <div className="inline-form" role="search" aria-label="Filter apps">
            <label>
              Name contains
              <input
                type="search"
                value={text}
                onChange={(e) => setText(e.target.value)}
                maxLength={63}
                autoComplete="off"
                spellCheck={false}
                aria-invalid={!nameValid}
                aria-describedby={nameValid ? undefined : 'apps-name-err'}
              />
            </label>
            <SelectField label="Phase" value={phase} onChange={(e) => setPhase(e.target.value)}>
              <option value="">All phases</option>
              <option value={ATTENTION}>Error or Drifted</option>
              {PHASES.map((p) => (
                <option key={p}>{p}</option>
              ))}
            </SelectField>
          </div>
          {!nameValid && (
            <p id="apps-name-err" className="field-error">
              App names hold only lowercase letters, digits and &quot;-&quot;: no app matches.
            </p>
          )}
          {/* A new filter starts again at its first page. */}
          {nameValid && <AppPages key={`${filter.name}|${filter.phase}`} tenant={tenant} filter={filter} onLoaded={onLoaded} />}
        </>
      )}
    </Section>
  );
}

/** Where each page read so far starts: the cursor that continues to it, and how many apps come before. */
interface PageStart {
  cursor: string | undefined;
  offset: number;
}

function AppPages({ tenant, filter, onLoaded }: { tenant: string; filter: Filter; onLoaded(loaded: true): void }) {
  const [starts, setStarts] = useState<PageStart[]>([{ cursor: undefined, offset: 0 }]);
  const { cursor, offset } = starts.at(-1)!;
  const page = useData(
    () =>
      ok(
        api.GET('/api/v1/tenants/{name}/apps', {
          params: {
            path: { name: tenant },
            query: {
              limit: APPS_PER_PAGE,
              count: true,
              ...(cursor && { cursor }),
              ...(filter.name && { nameContains: filter.name }),
              ...(filter.phase && { phase: filter.phase }),
            },
          },
        }),
      ),
    [tenant, cursor],
  );
  const loaded = page.data !== undefined;
  useEffect(() => {
    if (loaded) onLoaded(true);
  }, [loaded, onLoaded]);
  if (page.error) return <Problem problem={page.error} what="list apps" />;
  if (!page.data) return <p className="loading">Loading apps…</p>;
  const apps = page.data.items as unknown as Resource[];
  const total = page.data.total ?? apps.length;
  const filtered = filter.name !== '' || filter.phase !== '';
  const next = page.data.nextCursor;
  const pages = Math.max(1, Math.ceil(total / APPS_PER_PAGE));
  return (
    <>
      {/* Above the table, where it is seen without scrolling past 50 rows. */}
      <div className="pager">
        <p className="hint" role="status">
          {total === 0
            ? filtered
              ? 'No app matches the filter.'
              : 'No apps yet.'
            : apps.length === 0
              ? `No apps on this page; ${total} ${filtered ? 'match' : 'in all'}.`
              : `Apps ${offset + 1}–${offset + apps.length} of ${total}${filtered ? ' matching' : ''}`}
        </p>
        {(starts.length > 1 || next) && (
          <nav aria-label="Pages of apps">
            <PageButton label="First page" enabled={starts.length > 1} onClick={() => setStarts(starts.slice(0, 1))} />
            <PageButton label="Previous page" enabled={starts.length > 1} onClick={() => setStarts(starts.slice(0, -1))} />
            <span>
              Page {starts.length} of {Math.max(pages, starts.length)}
            </span>
            <PageButton label="Next page" enabled={next !== undefined} onClick={() => setStarts([...starts, { cursor: next, offset: offset + apps.length }])} />
          </nav>
        )}
      </div>
      {apps.length > 0 && <AppsTable apps={apps} busy={page.loading} />}
    </>
  );
}

/** Stays focusable when it cannot act (aria-disabled, not disabled), so the focus is not lost on
 *  the first or last page. */
function PageButton({ label, enabled, onClick }: { label: string; enabled: boolean; onClick(): void }) {
  return (
    <button type="button" aria-disabled={!enabled} onClick={() => enabled && onClick()}>
      {label}
    </button>
  );
}

function TouchedApps({ names }: { names: string[] }) {
  const apps = useData(async () => {
    const read = await Promise.all(names.map(async (name) => (await api.GET('/api/v1/apps/{name}', { params: { path: { name } } })).data));
    // One deleted since (or out of reach) is left out.
    return read.filter((a) => a !== undefined) as unknown as Resource[];
  }, [names.join(' ')]);
  if (apps.error) return <Problem problem={apps.error} what="read apps" />;
  if (!apps.data) return <p className="loading">Loading apps…</p>;
  return apps.data.length > 0 ? <AppsTable apps={apps.data} busy={apps.loading} /> : <p className="hint">The request touched no app.</p>;
}

function AppsTable({ apps, busy }: { apps: Resource[]; busy: boolean }) {
  return (
    <table aria-label="Apps" aria-busy={busy}>
      <thead>
        <tr>
          <th scope="col">App</th>
          <th scope="col">Project</th>
          <th scope="col">Phase</th>
          <th scope="col">Generation</th>
        </tr>
      </thead>
      <tbody>
        {apps.map((a) => (
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
}
