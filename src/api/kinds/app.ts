// App: what a tenant deploys into one project: KubeVela components with traits, policies and an
// optional workflow, in KubeNova's own stable field names. Projected as a KubeVela Application by
// the VelaAdapter; rollout status and rollback come from its ApplicationRevisions.
import { Type } from 'typebox';
import { CLEANUP_FINALIZER } from '../../domain/ownership.js';
import { ApiError } from '../errors.js';
import { DriftPolicy, FreeForm, List, Name, Patterned, Strict, SubdomainName, withDefault } from '../schemas/common.js';
import { represent } from '../representation.js';
import { representRevision } from '../revision-routes.js';
import { rollback, RollbackBody, type RollbackRequest } from '../rollback.js';
import type { KindDescriptor, FieldProblem } from './descriptor.js';
import { duplicateNames, PROJECT_LABEL, rejectProblems, requirePlacedCluster, requireTenantPrefix, resolveReference } from './references.js';
import type { TenantResource } from './tenant.js';
import { VELA_METADATA_PREFIXES } from '../../adapters/vela/index.js';
import { appClusters, metadataProblems, requireAllowedComponentTypes, requireAppCapabilities } from './app-checks.js';
import { rolloutView, workflowMethods } from './app-rollout.js';

const Properties = Type.Optional(withDefault(FreeForm, {}));

/** A KubeVela definition name, e.g. `webservice`. */
const DefinitionType = (description: string) => ({ ...SubdomainName, description });

const Trait = Strict({ type: DefinitionType('TraitDefinition name, e.g. scaler, gateway.'), properties: Properties });

const Component = Strict({
  name: Name,
  type: DefinitionType('ComponentDefinition name, e.g. webservice, worker.'),
  properties: Properties,
  traits: Type.Optional(List(Trait, 32, { default: [] })),
});

const Policy = Strict({ name: Name, type: DefinitionType('PolicyDefinition name, e.g. topology, override.'), properties: Properties });
const Step = Strict({
  name: Name,
  type: DefinitionType('WorkflowStepDefinition name, e.g. deploy, suspend.'),
  properties: Properties,
  timeout: Type.Optional(
    Patterned('^[1-9][0-9]{0,5}(s|m|h)$', 'must be a duration such as 30s, 5m or 1h', {
      maxLength: 8,
      description: 'How long the step may run before it fails (and with it the workflow), e.g. 5m.',
    }),
  ),
});

type Properties = Record<string, unknown>;

/** The App intent as stored (defaults applied). The VelaAdapter reads this. */
export interface AppSpec {
  project: string;
  clusters?: string[];
  components: { name: string; type: string; properties?: Properties; traits?: { type: string; properties?: Properties }[] }[];
  policies?: { name: string; type: string; properties?: Properties }[];
  workflow?: { steps: { name: string; type: string; properties?: Properties; timeout?: string }[] };
  driftPolicy?: 'repair' | 'detect';
}

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
  ownership: 'tenant',
  spec: {
    project: { ...Name, description: 'The project (namespace) the app is deployed to; its tenant owns the app.' },
    clusters: Type.Optional(
      List(Name, 64, { uniqueItems: true, description: "Clusters to deploy to, within the tenant's placement; default: all of them." }),
    ),
    components: List(Component, 64, { minItems: 1 }),
    policies: Type.Optional(List(Policy, 64, { default: [] })),
    workflow: Type.Optional(Strict({ steps: List(Step, 64, { minItems: 1 }) })),
    driftPolicy: Type.Optional(DriftPolicy),
  },
  immutable: ['project'],
  // Its reconciler removes the Application (and the app's identity) from every cluster first.
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
      throw new ApiError('UNPROCESSABLE', metadata.map((p) => `${p.field}: ${p.reason}`).join('; '), metadata.map((p) => ({ ...p, field: `body/${p.field}` })));
    }
    const project = await resolveReference(ctx, 'Project', spec.project, 'spec/project');
    const tenant = (await ctx.objects.get('Tenant', project.tenant!)) as TenantResource | undefined;
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
        const r = await rollback(appKind, { caller: ctx.caller, store: ctx.store, requestId: ctx.requestId, services: ctx.services }, target, body as RollbackRequest, ctx.expectedVersion);
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
