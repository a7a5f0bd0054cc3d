// The app's rollout view (`GET /apps/{name}/rollout`) and workflow control
// (`POST /apps/{name}:suspend|:resume|:terminate`). The view is computed from stored status only:
// the App reconciler writes each cluster's rollout there from watch-driven observations.
import { Type } from 'typebox';
import { WorkflowStateError, type ClusterRollout, type WorkflowAction } from '../../adapters/vela/index.js';
import type { Resource } from '../../domain/resource.js';
import { ApiError } from '../errors.js';
import { List, Name, Strict } from '../../domain/schema.js';
import type { CustomMethod, Subresource } from './descriptor.js';
import type { AppSpec } from '../../domain/kinds/app.js';

type StoredCluster = NonNullable<Resource['status']['clusters']>[string] & { rollout?: ClusterRollout };

export interface RolloutView {
  app: string;
  /** KubeNova's phase of the app (worst of its clusters). */
  phase: string;
  generation: number;
  observedGeneration?: number;
  /** The revision every cluster runs, when they agree. */
  revision?: string;
  clusters: Record<string, { phase: string; reason?: string; message?: string } & Partial<ClusterRollout>>;
}

export function rolloutOfApp(app: Resource): RolloutView {
  const clusters: RolloutView['clusters'] = {};
  for (const [name, c] of Object.entries((app.status.clusters ?? {}) as Record<string, StoredCluster>)) {
    const ready = c.conditions.find((k) => k.type === 'Ready');
    clusters[name] = { phase: c.phase, ...(ready && { reason: ready.reason, message: ready.message }), ...c.rollout };
  }
  const revisions = new Set(Object.values(clusters).map((c) => c.revision?.name));
  const [only] = revisions;
  return {
    app: app.name,
    phase: app.status.phase ?? 'Pending',
    generation: app.generation,
    ...(app.status.observedGeneration !== undefined && { observedGeneration: app.status.observedGeneration }),
    ...(revisions.size === 1 && only !== undefined && { revision: only }),
    clusters,
  };
}

export const rolloutView: Subresource = {
  name: 'rollout',
  verb: 'rollout',
  summary: "The app's rollout: current revision, workflow steps and component health per cluster, and its phase",
  handle(target) {
    return Promise.resolve(rolloutOfApp(target));
  },
};

const ControlBody = Strict({
  clusters: Type.Optional(List(Name, 64, { uniqueItems: true, description: 'Only these of the clusters the app is on; default: all of them.' })),
});

const SUMMARIES: Record<WorkflowAction, string> = {
  suspend: "Suspend the app's running workflow on its clusters",
  resume: "Resume the app's suspended workflow (also continues a suspend step)",
  terminate: "Terminate the app's workflow (unfinished steps fail)",
};

function workflowMethod(action: WorkflowAction): CustomMethod {
  return {
    name: action,
    verb: 'control-workflow',
    summary: SUMMARIES[action],
    body: ControlBody,
    async handle(target, body, ctx) {
      const control = ctx.services?.controlWorkflow;
      if (!control) throw new ApiError('UNAVAILABLE', 'this server has no access to clusters');
      const on = Object.keys(target.status.clusters ?? {}).sort();
      const wanted = (body.clusters as string[] | undefined) ?? on;
      const unknown = wanted.filter((c) => !on.includes(c));
      if (unknown.length > 0) {
        throw new ApiError(
          'UNPROCESSABLE',
          `the app is not on cluster(s) ${unknown.join(', ')}`,
          unknown.map((c) => ({ field: 'body/clusters', reason: `the app is not on cluster "${c}"` })),
        );
      }
      if (wanted.length === 0) throw new ApiError('CONFLICT', 'the app is not on any cluster yet');
      const namespace = (target.spec as unknown as AppSpec).project;
      const results: Record<string, { done: boolean; message?: string }> = {};
      for (const cluster of wanted) {
        try {
          await control(cluster, { namespace, name: target.name }, action);
          results[cluster] = { done: true };
        } catch (err) {
          if (!(err instanceof WorkflowStateError)) throw err;
          results[cluster] = { done: false, message: err.message };
        }
      }
      if (Object.values(results).every((r) => !r.done)) {
        throw new ApiError(
          'CONFLICT',
          `cannot ${action} the workflow: ${Object.entries(results)
            .map(([c, r]) => `${c}: ${r.message}`)
            .join('; ')}`,
          Object.entries(results).map(([c, r]) => ({ field: `cluster/${c}`, reason: r.message ?? '' })),
        );
      }
      return { app: target.name, action, clusters: results };
    },
  };
}

export const workflowMethods: CustomMethod[] = (['suspend', 'resume', 'terminate'] as const).map(workflowMethod);
