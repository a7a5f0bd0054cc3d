// The JSON view and edit of one object (labels and spec), for every kind the console shows: apps,
// tenants, projects, policy sets, definitions, clusters. Saved with `PUT` and
// `If-Match: "<resourceVersion>"` of the version it was opened at, so a stale edit is refused
// (409 CONFLICT, said plainly) rather than overwriting someone else's. The API's validation errors
// appear under the JSON, per field (body/spec/..., body/labels/...).
import { useId, useState } from 'react';
import type { Resource } from '../../src/domain/resource.js';
import { api, ok, type ApiProblem } from './api/client';
import { Problem, Section } from './ui';

/** The item routes that take `PUT {labels, spec}` with If-Match. */
export type ItemPath =
  | '/api/v1/apps/{name}'
  | '/api/v1/tenants/{name}'
  | '/api/v1/projects/{name}'
  | '/api/v1/policysets/{name}'
  | '/api/v1/definitions/{name}'
  | '/api/v1/clusters/{name}';

/** The API's reasons for fields under `prefixes` (body/spec, ...), listed where the user typed. */
export function FieldErrors({ id, problem, prefixes }: { id: string; problem: ApiProblem | undefined; prefixes: string[] }) {
  const errors = fieldErrors(problem, prefixes);
  if (errors.length === 0) return null;
  return (
    <ul id={id} className="field-error">
      {errors.map((d) => (
        <li key={d.field + d.reason}>
          <code>{d.field.replace(/^body\//, '')}</code>: {d.reason}
        </li>
      ))}
    </ul>
  );
}

export const fieldErrors = (problem: ApiProblem | undefined, prefixes: string[]) =>
  (problem?.details ?? []).filter((d) => prefixes.some((p) => d.field === `body/${p}` || d.field.startsWith(`body/${p}/`)));

const EDITED = ['spec', 'labels'];

/** `canEdit`: whether the caller's role may update the object (otherwise a read-only view). */
export function JsonEditor({
  object,
  path,
  title,
  what,
  canEdit,
  onSaved,
  onClose,
}: {
  object: Resource;
  path: ItemPath;
  title: string;
  what: string;
  canEdit: boolean;
  onSaved(): void;
  onClose?: () => void;
}) {
  const id = useId();
  const [opened, setOpened] = useState<{ text: string; version: string }>();
  const [problem, setProblem] = useState<ApiProblem>();
  const save = async () => {
    if (!opened) return;
    let body: unknown;
    try {
      body = JSON.parse(opened.text);
    } catch (err) {
      setProblem({ status: 0, code: 'JSON', message: `Not valid JSON: ${(err as Error).message}` });
      return;
    }
    try {
      await ok(
        api.PUT(path as '/api/v1/apps/{name}', {
          params: { path: { name: object.name }, header: { 'if-match': `"${opened.version}"` } as never },
          body: body as never,
          headers: { 'if-match': `"${opened.version}"` },
        }),
      );
      setOpened(undefined);
      setProblem(undefined);
      onSaved();
    } catch (err) {
      setProblem(err as ApiProblem);
    }
  };
  const atField = fieldErrors(problem, EDITED).length > 0;
  return (
    <Section
      title={title}
      actions={
        <span className="actions">
          {canEdit && !opened && (
            <button
              type="button"
              onClick={() => setOpened({ text: JSON.stringify({ labels: object.labels, spec: object.spec }, null, 2), version: object.resourceVersion })}
            >
              Edit JSON
            </button>
          )}
          {onClose && !opened && (
            <button type="button" onClick={onClose}>
              Close
            </button>
          )}
        </span>
      }
    >
      {opened ? (
        <>
          <label htmlFor={`${id}-json`}>Labels and spec (JSON), opened at version {opened.version}</label>
          <textarea
            id={`${id}-json`}
            className="code"
            rows={18}
            value={opened.text}
            onChange={(e) => setOpened({ ...opened, text: e.target.value })}
            aria-invalid={atField}
            aria-describedby={atField ? `${id}-err` : undefined}
            spellCheck={false}
          />
          <FieldErrors id={`${id}-err`} problem={problem} prefixes={EDITED} />
          <div className="actions">
            <button type="button" className="primary" onClick={() => void save()}>
              Save
            </button>
            <button
              type="button"
              onClick={() => {
                setOpened(undefined);
                setProblem(undefined);
              }}
            >
              Cancel
            </button>
          </div>
          {problem && !atField && <Problem problem={problem} what={what} />}
          {problem && atField && (
            <p role="alert" className="problem">
              {problem.message}: see the fields above.
            </p>
          )}
        </>
      ) : (
        <pre aria-label={`${title} as JSON`}>{JSON.stringify({ labels: object.labels, spec: object.spec }, null, 2)}</pre>
      )}
    </Section>
  );
}
