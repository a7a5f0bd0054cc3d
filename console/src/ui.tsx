// Small shared pieces: phase badges, problem notes, time, a JSON diff.
import { diffLines } from 'diff';
import { useId, type ReactNode, type SelectHTMLAttributes } from 'react';
import type { ApiProblem } from './api/client';

export function Phase({ phase }: { phase: string | undefined }) {
  const p = phase ?? 'Pending';
  return <span className={`phase phase-${p.toLowerCase()}`}>{p}</span>;
}

/** An API error as the user should read it; a 403 says what is missing rather than failing. */
export function Problem({ problem, what }: { problem: ApiProblem | undefined; what?: string }) {
  if (!problem) return null;
  const text =
    problem.status === 403
      ? `You may not ${what ?? 'do this'}: ${problem.message}`
      : problem.status === 409 && problem.code === 'CONFLICT'
        ? `Someone changed this object since you opened it; nothing was overwritten. Reload to see their change, then edit again. (${problem.message})`
        : `${problem.message} (${problem.code})`;
  return (
    <div role="alert" className="problem">
      <p>{text}</p>
      {problem.details && problem.details.length > 0 && (
        <ul>
          {problem.details.map((d) => (
            <li key={d.field + d.reason}>
              <code>{d.field}</code>: {d.reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The API's reason for one field (`body/<path>`), if it named that field. */
export const fieldProblem = (problem: ApiProblem | undefined, field: string): string | undefined =>
  problem?.details?.find((d) => d.field === `body/${field}` || d.field.startsWith(`body/${field}/`))?.reason;

export const when = (iso: string | undefined): string => (iso ? new Date(iso).toLocaleString() : '—');

/** A card of the page's grid; `wide` spans the whole row (wide tables). */
export function Section({ title, children, actions, wide }: { title: string; children: ReactNode; actions?: ReactNode; wide?: boolean }) {
  const id = `s-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section aria-labelledby={id} className={wide ? 'card wide' : 'card'}>
      <header className="card-head">
        <h2 id={id}>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

/** A line diff of two values as pretty JSON: removed lines red, added green. */
export function JsonDiff({ from, to, label }: { from: unknown; to: unknown; label: string }) {
  const parts = diffLines(JSON.stringify(from, null, 2) ?? '', JSON.stringify(to, null, 2) ?? '');
  const changed = parts.some((p) => p.added || p.removed);
  return (
    <figure className="diff">
      <figcaption>{label}</figcaption>
      {changed ? (
        <pre aria-label={label}>
          {parts.map((p, i) => (
            <span key={i} className={p.added ? 'add' : p.removed ? 'del' : 'same'}>
              {p.value
                .replace(/\n$/, '')
                .split('\n')
                .map((line) => `${p.added ? '+ ' : p.removed ? '- ' : '  '}${line}\n`)
                .join('')}
            </span>
          ))}
        </pre>
      ) : (
        <p>No difference.</p>
      )}
    </figure>
  );
}

/** A select with its own label element (a wrapping label would add the options to its name). */
export function SelectField({ label, children, ...props }: { label: string; children: ReactNode } & SelectHTMLAttributes<HTMLSelectElement>) {
  const id = useId();
  return (
    <span className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} {...props}>
        {children}
      </select>
    </span>
  );
}
