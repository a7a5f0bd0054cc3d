// App: what a tenant deploys into one project: KubeVela components with traits, policies and an
// optional workflow, in KubeNova's own stable field names. Projected as a KubeVela Application by
// the VelaAdapter; rollout status and rollback come from its ApplicationRevisions.
import { CLEANUP_FINALIZER } from '../../domain/ownership.js';
import { ApiError } from '../errors.js';
import { APP_SPEC, type AppSpec } from '../../domain/kinds/app.js';
import { represent } from '../representation.js';
import { representRevision } from '../revision-routes.js';
import { rollback, RollbackBody } from '../rollback.js';
import type { KindDescriptor, FieldProblem } from './descriptor.js';
import { duplicateNames, PROJECT_LABEL, rejectProblems, requirePlacedCluster, requireTenantPrefix, resolveReference } from './references.js';
import type { TenantSpec } from '../../domain/kinds/tenant.js';
import { VELA_METADATA_PREFIXES } from '../../adapters/vela/index.js';
import { appClusters, metadataProblems, requireAllowedComponentTypes, requireAppCapabilities } from './app-checks.js';
import { rolloutView, workflowMethods } from './app-rollout.js';

function duplicateTraits(components: AppSpec['components']): FieldProblem[] {
  return components.flatMap((c, i) => {
    const seen = new Set<string>();
    return (c.traits ?? []).flatMap((t, j) => {
      const dup = seen.has(t.type);
      seen.add(t.type);
      return dup ? [{ field: `spec/components/${i}/traits/${j}/type`, reason: `duplicate trait type "${t.type}"` }] : [];
    });
  });
}

export const appKind: KindDescriptor = {
  kind: 'App',
  plural: 'apps',
  spec: APP_SPEC,
  immutable: ['project'],
  // Its reconciler removes the Application from every cluster first.
  finalizers: [CLEANUP_FINALIZER],
  history: true,
  async admit(name, raw, ctx) {
    const spec = raw as unknown as AppSpec;
    rejectProblems([
      ...duplicateNames(spec.components, 'spec/components'),
      ...duplicateTraits(spec.components),
      ...duplicateNames(spec.policies, 'spec/policies'),
      ...duplicateNames(spec.workflow?.steps, 'spec/workflow/steps'),
    ]);
    const metadata = metadataProblems(spec);
    if (metadata.length > 0) {
      throw new ApiError(
        'UNPROCESSABLE',
        metadata.map((p) => `${p.field}: ${p.reason}`).join('; '),
        metadata.map((p) => ({ ...p, field: `body/${p.field}` })),
      );
    }
    const project = await resolveReference(ctx, 'Project', spec.project, 'spec/project');
    const tenant = await ctx.objects.get<TenantSpec>('Tenant', project.tenant!);
    if (!tenant) throw new ApiError('UNPROCESSABLE', `tenant of project "${spec.project}" not found`);
    requireTenantPrefix(ctx, name, tenant.name);
    for (const [i, cluster] of (spec.clusters ?? []).entries()) {
      await requirePlacedCluster(ctx, tenant, cluster, `spec/clusters/${i}`);
    }
    await requireAllowedComponentTypes(spec, tenant.spec.policySets ?? [], ctx.objects);
    await requireAppCapabilities(spec, await appClusters(spec, tenant.spec.placement, ctx.objects), ctx.objects);
    return { tenant: tenant.name };
  },
  reservedLabelPrefixes: VELA_METADATA_PREFIXES.map((prefix) => ({
    prefix,
    reason: `labels under ${prefix} are KubeVela's (they could change the identity an app runs with); KubeNova never passes them on`,
  })),
  systemLabels: (spec) => ({ [PROJECT_LABEL]: spec.project as string }),
  customMethods: [
    {
      name: 'rollback',
      verb: 'rollback',
      summary: "Roll the app back to an earlier revision of KubeNova's history (a new revision restoring its spec)",
      body: RollbackBody,
      async handle(target, body, ctx) {
        const r = await rollback(
          appKind,
          { caller: ctx.caller, store: ctx.store, requestId: ctx.requestId, services: ctx.services },
          target,
          body,
          ctx.expectedVersion,
        );
        return {
          fromRevision: r.from,
          toRevision: r.to,
          revision: representRevision(appKind, r.recorded),
          app: await represent(appKind, r.object, ctx.store.secrets),
        };
      },
    },
    ...workflowMethods,
  ],
  subresources: [rolloutView],
};
