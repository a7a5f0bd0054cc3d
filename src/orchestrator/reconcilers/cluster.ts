// ClusterReconciler (key `Cluster/<name>`): keeps a registered cluster's status true.
// - Health: `Reachable` (the API server answers the agent) and `AgentCredentials` (the agent's
//   token is accepted and renewed in time); phase Deployed, or Error while either is False.
// - Capabilities: discovered as the agent (adapters/cluster/capabilities.ts) into
//   `status.capabilities`, every refresh (60 s) and whenever a CRD comes, changes or goes (a
//   metadata-only watch on CustomResourceDefinitions per cluster). `observedAt` moves only when
//   the content changed, so a refresh that finds nothing new writes nothing.
// - Token rotation: after two thirds of the token's life the agent mints its next token with
//   its own rights; the new credentials replace the stored ones (one store write: the object's
//   secret ref and generation change, and every ClusterClient is rebuilt from them).
import { reconcileKey, type Condition, type Resource, type ResourceStatus } from '../../domain/resource.js';
import { isDeepStrictEqual } from 'node:util';
import type { ClusterSpec } from '../../domain/kinds/cluster.js';
import { AGENT } from '../../adapters/cluster/agent-identity.js';
import { discoverCapabilities } from '../../adapters/cluster/capabilities.js';
import { NAMESPACE_GUARD_NAME, namespaceGuardObjects } from '../../adapters/cluster/namespace-guard.js';
import { agentTokenInfo, rotationDueAt, type AgentTokenInfo } from '../../adapters/cluster/credentials.js';
import { rotateAgentToken } from '../../adapters/cluster/token-rotation.js';
import type { KubeClusterClient } from '../../adapters/kube/client.js';
import { KubeError } from '../../adapters/kube/types.js';
import { capabilitiesOf, type ClusterCapabilities } from '../../domain/capabilities.js';
import { secretRefOf } from '../../domain/secret-refs.js';
import { StoreError } from '../../store/types.js';
import { ClusterUnavailableError, CREDENTIALS_FIELD } from '../manager/cluster-clients.js';
import type { ReconcileRequest, ReconcileResult, Reconciler } from '../manager/controller.js';
import { condition } from '../projection/phases.js';
import { parseKey, type ReconcilerRegistration, type RuntimeServices } from '../manager/manager.js';

export const REACHABLE = 'Reachable';
export const AGENT_CREDENTIALS = 'AgentCredentials';
/** Whether the namespace tenant-label admission policy is installed (namespace-guard.ts). */
export const NAMESPACE_GUARD = 'NamespaceGuard';

/** What the ClusterReconciler adds to a Cluster's status. */
export interface ClusterStatusExtra {
  capabilities?: ClusterCapabilities;
  agent?: { serviceAccount: string; tokenExpiresAt?: string };
}

export interface ClusterReconcilerOptions {
  /** Capabilities and health are looked at again this often. Default 60 s. */
  refreshMs?: number;
  /** Rotate after this fraction of the token's life. Default 2/3. */
  rotateAtFraction?: number;
  tokenSeconds?: number;
  /** The clock (tests move it forward to make rotation due). */
  now?: () => Date;
}

type Health = { status: Condition['status']; reason: string; message: string };

export class ClusterReconciler implements Reconciler {
  private readonly crdWatches = new Map<string, { client: KubeClusterClient; stop(): void }>();
  private readonly refreshMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly services: Pick<RuntimeServices, 'store' | 'clients' | 'enqueue' | 'logger'>,
    private readonly opts: ClusterReconcilerOptions = {},
  ) {
    this.refreshMs = opts.refreshMs ?? 60_000;
    this.now = opts.now ?? (() => new Date());
  }

  async reconcile(req: ReconcileRequest): Promise<ReconcileResult> {
    const { name } = parseKey(req.key);
    const { store, clients } = this.services;
    let obj = await store.objects.get<ClusterSpec>('Cluster', name);
    if (!obj || obj.deletionTimestamp) {
      this.stopWatch(name);
      clients.forget(name);
      return { type: 'done' };
    }
    const now = this.now();

    let client: KubeClusterClient;
    try {
      client = await clients.forCluster(name);
    } catch (err) {
      if (!(err instanceof ClusterUnavailableError)) throw err;
      await this.writeStatus(obj, now, { status: 'Unknown', reason: err.reason, message: err.message }, undefined);
      return { type: 'terminal', error: err };
    }
    const ref = secretRefOf(obj, CREDENTIALS_FIELD);
    const credentials = ref ? ((await store.secrets.get(ref))?.toString('utf8') ?? '') : '';
    let token = agentTokenInfo(credentials);

    let caps: Omit<ClusterCapabilities, 'observedAt'>;
    try {
      caps = await discoverCapabilities(client, { capsuleProxy: obj.spec.capsuleProxy, signal: req.signal });
    } catch (err) {
      if (err instanceof KubeError && err.reason === 'Unauthorized') {
        await this.writeStatus(
          obj,
          now,
          { status: 'True', reason: 'Connected', message: `the API server at ${client.server} answers` },
          {
            status: 'False',
            reason: 'Rejected',
            message: `the API server rejects the agent's token (401); register the cluster again (PUT /api/v1/clusters/${name} with an admin kubeconfig)`,
          },
          token,
        );
        return { type: 'requeueAfter', delayMs: this.refreshMs };
      }
      if (err instanceof KubeError && err.reason === 'Unreachable') {
        await this.writeStatus(obj, now, { status: 'False', reason: 'Unreachable', message: err.message }, undefined, token);
        return { type: 'retry', error: err };
      }
      throw err;
    }
    this.ensureCrdWatch(name, client);
    const guard = await this.ensureNamespaceGuard(client, req.signal);

    // The token, renewed after `rotateAtFraction` of its life.
    let credentialsHealth: Health;
    const due = rotationDueAt(token, this.opts.rotateAtFraction);
    let rotationFailed = false;
    if (!due) {
      credentialsHealth = {
        status: 'Unknown',
        reason: 'NotAgentCredentials',
        message: `the stored credentials are not KubeNova agent credentials; register the cluster again`,
      };
    } else if (now >= due) {
      try {
        const next = await rotateAgentToken(name, client, credentials, { tokenSeconds: this.opts.tokenSeconds, signal: req.signal, now });
        obj = await store.objects.update<ClusterSpec>(
          'Cluster',
          name,
          { secrets: { [CREDENTIALS_FIELD]: next.credentials } },
          { expectedVersion: obj.resourceVersion, correlationId: req.correlationId },
        );
        token = agentTokenInfo(next.credentials.toString('utf8'));
        this.services.logger.info({ cluster: name, tokenExpiresAt: next.expiresAt.toISOString() }, 'agent token rotated');
        credentialsHealth = valid(token);
      } catch (err) {
        // Someone else wrote the cluster meanwhile (re-registration): look again at once.
        if (err instanceof StoreError && err.code === 'CONFLICT') return { type: 'retry', error: err };
        rotationFailed = true;
        const expired = token.expiresAt !== undefined && now >= token.expiresAt;
        credentialsHealth = {
          status: expired ? 'False' : 'True',
          reason: 'RotationFailed',
          message: `renewing the agent token failed: ${(err as Error).message}; the current one expires ${token.expiresAt?.toISOString()}`,
        };
      }
    } else {
      credentialsHealth = valid(token);
    }

    const previous = capabilitiesOf(obj);
    const { observedAt: before, ...previousContent } = previous ?? {};
    const capabilities: ClusterCapabilities = {
      observedAt: previous && isDeepStrictEqual(previousContent, caps) && before ? before : now.toISOString(),
      ...caps,
    };
    await this.writeStatus(
      obj,
      now,
      { status: 'True', reason: 'Connected', message: `Kubernetes ${caps.kubernetesVersion} answers at ${client.server}` },
      credentialsHealth,
      token,
      capabilities,
      guard,
    );
    const untilDue = due ? rotationDueAt(token, this.opts.rotateAtFraction)!.getTime() - now.getTime() : Infinity;
    const delayMs = Math.max(1_000, Math.min(this.refreshMs, untilDue, rotationFailed ? 30_000 : Infinity));
    return { type: 'requeueAfter', delayMs };
  }

  /** The namespace tenant-label admission policy, (re)applied every refresh (a no-op when it is
   *  in place; put back when someone removed it). Its absence does not make the cluster Error:
   *  repair still covers namespace drift. */
  private async ensureNamespaceGuard(client: KubeClusterClient, signal: AbortSignal): Promise<Health> {
    try {
      for (const obj of namespaceGuardObjects()) await client.apply(obj, { signal });
      return {
        status: 'True',
        reason: 'Installed',
        message: `ValidatingAdmissionPolicy ${NAMESPACE_GUARD_NAME} refuses changes of namespaces' tenant labels by anyone but KubeNova and Capsule`,
      };
    } catch (err) {
      if (!(err instanceof KubeError)) throw err;
      return { status: 'False', reason: 'InstallFailed', message: `installing ValidatingAdmissionPolicy ${NAMESPACE_GUARD_NAME}: ${err.message}` };
    }
  }

  /** Stops every CRD watch (the runtime stops; clients are closed separately). */
  close(): void {
    for (const name of [...this.crdWatches.keys()]) this.stopWatch(name);
  }

  private async writeStatus(
    obj: Resource<ClusterSpec>,
    now: Date,
    reachable: Health,
    credentials: Health | undefined,
    token?: AgentTokenInfo,
    capabilities?: ClusterCapabilities,
    guard?: Health,
  ): Promise<void> {
    const at = now.toISOString();
    const prev = obj.status as ResourceStatus & ClusterStatusExtra;
    const conditions = [condition(REACHABLE, reachable.status, reachable.reason, reachable.message, prev.conditions, at)];
    // Unknown while unreachable: keep what was last known about the credentials.
    const creds = credentials ?? prev.conditions.find((c) => c.type === AGENT_CREDENTIALS);
    if (creds) conditions.push(condition(AGENT_CREDENTIALS, creds.status, creds.reason, creds.message, prev.conditions, at));
    const guarded = guard ?? prev.conditions.find((c) => c.type === NAMESPACE_GUARD);
    if (guarded) conditions.push(condition(NAMESPACE_GUARD, guarded.status, guarded.reason, guarded.message, prev.conditions, at));
    const healthy = reachable.status === 'True' && creds?.status !== 'False';
    const { clusters: _unused, ...kept } = prev;
    // A bootstrap run (orchestrator/bootstrap-status.ts) may have written its progress since
    // this reconcile read the object: keep the latest.
    const latest = await this.services.store.objects.get('Cluster', obj.name);
    const status: ResourceStatus & ClusterStatusExtra = {
      ...kept,
      ...(latest?.status.bootstrap !== undefined && { bootstrap: latest.status.bootstrap }),
      phase: healthy ? 'Deployed' : 'Error',
      conditions,
      observedGeneration: obj.generation,
      ...(capabilities && { capabilities }),
      agent: {
        serviceAccount: `${AGENT.namespace}/${AGENT.serviceAccount}`,
        ...((token?.expiresAt ?? prev.agent?.tokenExpiresAt) && { tokenExpiresAt: token?.expiresAt?.toISOString() ?? prev.agent?.tokenExpiresAt }),
      },
    };
    // Equal status: the store writes nothing and emits no change.
    await this.services.store.objects.updateStatus('Cluster', obj.name, status);
  }

  /** A CRD appearing, changing or going away changes capabilities: reconcile the cluster then. */
  private ensureCrdWatch(name: string, client: KubeClusterClient): void {
    const current = this.crdWatches.get(name);
    if (current?.client === client) return;
    current?.stop();
    let synced = false;
    const watch = client.watchMetadata({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' }, {}, () => {
      if (synced) this.services.enqueue(reconcileKey('Cluster', name));
    });
    watch.synced.then(
      () => (synced = true),
      () => undefined,
    );
    this.crdWatches.set(name, { client, stop: () => watch.stop() });
  }

  private stopWatch(name: string): void {
    this.crdWatches.get(name)?.stop();
    this.crdWatches.delete(name);
  }
}

function valid(token: AgentTokenInfo): Health {
  return { status: 'True', reason: 'Valid', message: `agent ${AGENT.username}; token expires ${token.expiresAt?.toISOString()}` };
}

/** The Cluster kind's entry for startRuntime. */
export function clusterReconcilerRegistration(opts: ClusterReconcilerOptions = {}): ReconcilerRegistration {
  return {
    kind: 'Cluster',
    adapter: 'kube',
    workers: 4,
    // An unreachable cluster is retried within 30 s at most, so its recovery shows soon.
    backoff: { baseDelayMs: 1_000, maxDelayMs: 30_000 },
    reconciler: (services) => new ClusterReconciler(services, opts),
  };
}
