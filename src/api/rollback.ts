// `POST /api/v1/{plural}/{name}:rollback` for kinds with a revision history (apps): restores the
// spec of an earlier revision as a new spec write. That write bumps the generation like any
// update, so the reconcilers project it as they project every change, and it is recorded in the
// history as `rolled-back` from the current revision to the restored one. It reads nothing but
// the store: the target comes from KubeNova's own history (which outlives KubeVela's revision
// garbage collection and its reuse of revision names) and the outcomes settled from status.
import { isDeepStrictEqual } from 'node:util';
import { Type } from 'typebox';
import type { Resource } from '../domain/resource.js';
import type { Revision } from '../store/types.js';
import { MAX_REVISION_NUMBER } from '../store/revisions.js';
import { ApiError, validationFailed } from './errors.js';
import type { KindDescriptor, Spec } from './kinds/descriptor.js';
import { revisionAuthor, withDefaults, type WriteRequest } from './object-writes.js';
import { apiSpec } from './representation.js';
import { Patterned, Strict } from '../domain/schema.js';

const REVISION_REASON = 'must be a revision number as listed by GET .../revisions';

export const RollbackBody = Strict({
  revision: Type.Optional(
    Type.Union([Type.Integer({ minimum: 1, maximum: MAX_REVISION_NUMBER }), Patterned('^[1-9][0-9]{0,9}$', REVISION_REASON)], {
      description:
        'The revision (number, as listed by `GET /apps/{name}/revisions`) whose spec to restore; default: the newest earlier revision that succeeded with a spec other than the current one.',
    }),
  ),
  reason: Type.Optional(Type.String({ maxLength: 1024, description: 'Why; recorded in the history (default: "rollback to revision N").' })),
});

export interface RollbackRequest {
  revision?: number | string;
  reason?: string;
}

export interface RollbackResult {
  /** The object after the write (generation + 1). */
  object: Resource;
  /** The revision the rollback recorded. */
  recorded: Revision;
  from: number;
  to: number;
}

async function targetOf(d: KindDescriptor, ctx: WriteRequest, current: Resource, wanted: number | undefined): Promise<Revision> {
  const { revisions } = ctx.store;
  const spec = apiSpec(current.spec);
  if (wanted === undefined) {
    const found = await revisions.lastSucceeded(d.kind, current.name, current.generation, current.spec);
    if (!found) {
      throw new ApiError(
        'NO_ROLLBACK_TARGET',
        `${d.kind} "${current.name}" has no earlier revision that succeeded with a spec other than the current one (revision ${current.generation}); name one with "revision"`,
      );
    }
    return found;
  }
  const found = await revisions.get(d.kind, current.name, wanted);
  if (!found) {
    throw new ApiError('UNKNOWN_REVISION', `${d.kind} "${current.name}" has no revision ${wanted}`, [
      { field: 'body/revision', reason: `no such revision; GET /api/v1/${d.plural}/${current.name}/revisions lists them` },
    ]);
  }
  if (isDeepStrictEqual(apiSpec(found.spec), spec)) {
    throw new ApiError(
      'ROLLBACK_NO_CHANGE',
      `revision ${wanted} has the current spec of ${d.kind} "${current.name}" (revision ${current.generation}): rolling back would change nothing`,
    );
  }
  return found;
}

export async function rollback(
  d: KindDescriptor,
  ctx: WriteRequest,
  current: Resource,
  body: RollbackRequest,
  expectedVersion: string | undefined,
): Promise<RollbackResult> {
  if (current.deletionTimestamp) throw new ApiError('CONFLICT', `${d.kind} "${current.name}" is being deleted`);
  const wanted = body.revision === undefined ? undefined : Number(body.revision);
  // The text form's pattern admits ten digits: past an integer column's range is no revision.
  if (wanted !== undefined && wanted > MAX_REVISION_NUMBER) throw validationFailed([{ field: 'body/revision', reason: REVISION_REASON }]);
  const target = await targetOf(d, ctx, current, wanted);
  const spec: Spec = withDefaults(d, apiSpec(target.spec));
  // The restored spec must still be admissible: its project, its clusters in the tenant's placement.
  await d.admit(current.name, spec, { caller: ctx.caller, objects: ctx.store.objects, current });
  const from = current.generation;
  const reason = body.reason ?? `rollback to revision ${target.number}`;
  const revision = revisionAuthor(d, ctx.caller, 'rollback', { type: 'rolled-back', from, to: target.number }, reason);
  // The target was chosen against this version: a write in between is a CONFLICT, not a rollback
  // of something the caller did not see.
  const object = await ctx.store.objects.update(
    d.kind,
    current.name,
    { spec },
    { expectedVersion: expectedVersion ?? current.resourceVersion, correlationId: ctx.requestId, ...(revision && { revision }) },
  );
  if (object.generation === from) {
    throw new ApiError('ROLLBACK_NO_CHANGE', `revision ${target.number} amounts to the current spec of ${d.kind} "${current.name}": nothing changed`);
  }
  const recorded = await ctx.store.revisions.get(d.kind, current.name, object.generation);
  if (!recorded) throw new Error(`rollback of ${d.kind} "${current.name}" recorded no revision`);
  return { object, recorded, from, to: target.number };
}
