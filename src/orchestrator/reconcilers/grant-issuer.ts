// Issuing a kubeconfig for a grant (`:issue-kubeconfig`): store the grant, make its objects exist
// on its cluster now (the same apply the GrantReconciler repeats; both are idempotent), mint a
// token for its ServiceAccount bound to its anchor Secret with the grant's TTL, and record the
// real expiry. The token leaves this process only in the one response that issues it: it is not
// stored (not even a digest: nothing needs to recognise it later; revocation deletes the anchor)
// and not logged.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { GrantSpec } from '../../domain/kinds/grant.js';
import { DomainError } from '../../domain/errors.js';
import { AGENT } from '../../adapters/cluster/agent-identity.js';
import { grantKubeconfig, serviceAccountOf, type GrantIntent } from '../../adapters/grants/plan.js';
import { KubeError } from '../../adapters/kube/types.js';
import { CLEANUP_FINALIZER } from '../../domain/ownership.js';
import type { Labels, Resource } from '../../domain/resource.js';
import type { Logger } from '../../observability/logger.js';
import { StoreError, type ObjectStore } from '../../store/types.js';
import { ClusterUnavailableError, type ClusterClients } from '../manager/cluster-clients.js';
import { applyGrant, deployedMessage, grantIntent, grantStatus, proxyProblem, type GrantResource } from './grant.js';

/** A grant name: its scope's name and a random suffix (≤ 63 characters). */
export function grantName(scope: string): string {
  return `${scope.slice(0, 50).replace(/-+$/, '')}-${randomBytes(5).toString('hex')}`;
}

export interface GrantToIssue {
  tenant: string;
  labels: Labels;
  spec: GrantSpec;
}

export interface GrantIssuing {
  /** Stores the grant, makes its objects exist on its cluster and mints its token: the
   *  kubeconfig is returned here only (never stored, never logged). Throws DomainError. */
  issue(grant: GrantToIssue, ctx: { correlationId: string }): Promise<{ grant: Resource; kubeconfig: string }>;
}

export interface GrantIssuerDeps {
  objects: ObjectStore;
  clients: Pick<ClusterClients, 'forCluster'>;
  logger: Logger;
}

export function grantIssuer(deps: GrantIssuerDeps): GrantIssuing {
  const { objects, clients, logger } = deps;
  return {
    async issue(input: GrantToIssue, ctx) {
      const t0 = performance.now();
      const spec = input.spec;
      const cluster = await objects.get<Record<string, unknown>>('Cluster', spec.cluster);
      const proxy = (cluster?.spec as { capsuleProxy?: { url: string; caData?: string } } | undefined)?.capsuleProxy;
      if (!proxy?.url) {
        throw new DomainError(
          'proxy-not-configured',
          `cluster "${spec.cluster}" has no capsule-proxy endpoint: kubeconfigs are issued for capsule-proxy only; register one (PUT /api/v1/clusters/${spec.cluster} with spec.capsuleProxy {url, caData})`,
        );
      }
      let grant = await objects.create<GrantSpec>(
        {
          kind: 'KubeconfigGrant',
          name: grantName(spec.project ?? spec.tenant),
          tenant: input.tenant,
          labels: input.labels,
          spec,
          finalizers: [CLEANUP_FINALIZER],
        },
        { correlationId: ctx.correlationId },
      );
      let token: { token: string; expiresAt: Date };
      let intent = await grantIntent(grant, objects);
      try {
        const client = await clients.forCluster(spec.cluster);
        const { anchor, applied } = await applyGrant(client, intent);
        intent = applied;
        token = await client.requestToken({
          namespace: AGENT.grantsNamespace,
          serviceAccount: serviceAccountOf(grant.name),
          expirationSeconds: spec.ttlSeconds,
          boundObjectRef: { apiVersion: 'v1', kind: 'Secret', name: anchor.metadata.name, uid: anchor.metadata.uid },
        });
      } catch (err) {
        // Nothing usable was handed out: the grant goes (its reconciler removes what was applied).
        await objects.delete('KubeconfigGrant', grant.name, { correlationId: ctx.correlationId }).catch(() => undefined);
        if (err instanceof ClusterUnavailableError) throw new DomainError('unprocessable', err.message);
        if (err instanceof KubeError) throw new DomainError('cluster-unavailable', `cluster "${spec.cluster}": setting up the grant failed: ${err.message}`);
        throw err;
      }
      grant = await recordIssue(objects, grant.name, intent, token.expiresAt, cluster!);
      logger.info(
        {
          grant: grant.name,
          tenant: spec.tenant,
          cluster: spec.cluster,
          subject: spec.subject,
          expiresAt: token.expiresAt.toISOString(),
          ms: Math.round(performance.now() - t0),
        },
        'kubeconfig issued',
      );
      const namespace = intent.namespaces[0];
      return {
        grant: grant as unknown as Resource,
        kubeconfig: grantKubeconfig({ grant: grant.name, cluster: spec.cluster, proxy, token: token.token, ...(namespace !== undefined && { namespace }) }),
      };
    },
  };
}

/** Writes the grant's status as issued (the issue time and the token's real expiry, objects in
 *  place), over what the reconciler wrote meanwhile (guarded by version, retried on conflict). */
async function recordIssue(objects: ObjectStore, name: string, intent: GrantIntent, expiresAt: Date, cluster: Resource): Promise<GrantResource> {
  const now = new Date();
  for (let attempt = 1; ; attempt++) {
    const current = (await objects.get<GrantSpec>('KubeconfigGrant', name)) as GrantResource;
    const issued = { ...current, status: { ...current.status, issuedAt: now.toISOString(), expiresAt: expiresAt.toISOString() } };
    const status = grantStatus(issued, intent, {
      expiresAt,
      state: 'Active',
      outcome: { phase: 'Deployed', ready: { status: 'True', reason: 'Deployed', message: deployedMessage(intent, cluster.name) } },
      proxy: proxyProblem(cluster),
      now,
    });
    try {
      return await objects.updateStatus<GrantSpec>('KubeconfigGrant', name, status, { expectedVersion: current.resourceVersion });
    } catch (err) {
      if (!(err instanceof StoreError && err.code === 'CONFLICT') || attempt >= 10) throw err;
    }
  }
}
