// Kubernetes Events (events.k8s.io/v1) on the objects KubeNova projects, for the same phase
// transitions its own events record, carrying the correlation id (annotation and note) so a
// cluster user can follow a change back to the API call. Best effort: a failure is logged and
// never fails a reconcile.
import { randomBytes } from 'node:crypto';
import type { ClusterClient, KubeObject } from './types.js';
import { currentLogContext } from '../../observability/context.js';
import type { Logger } from '../../observability/logger.js';

export const CORRELATION_ANNOTATION = 'kubenova.io/correlation-id';
export const REPORTING_CONTROLLER = 'kubenova';
const MAX_NOTE = 1024;

export interface KubeEventInput {
  type: 'Normal' | 'Warning';
  reason: string;
  /** What KubeNova did: Reconcile, Delete. */
  action: string;
  note: string;
  correlationId?: string;
}

/** The Event for `regarding` (pure apart from its random name suffix and time). */
export function kubeEventFor(regarding: KubeObject, e: KubeEventInput, now = new Date()): KubeObject {
  const { name, namespace, uid } = regarding.metadata;
  const note = e.correlationId ? `${e.note} [correlation id ${e.correlationId}]` : e.note;
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: {
      name: `${name}.${now.getTime().toString(16)}${randomBytes(3).toString('hex')}`,
      // An Event of a cluster-scoped object (a Capsule Tenant, a Namespace) lives in `default`.
      namespace: namespace ?? 'default',
      labels: { 'app.kubernetes.io/managed-by': 'kubenova' },
      ...(e.correlationId && { annotations: { [CORRELATION_ANNOTATION]: e.correlationId } }),
    },
    eventTime: now.toISOString().replace(/Z$/, '000Z'),
    reportingController: REPORTING_CONTROLLER,
    reportingInstance: REPORTING_CONTROLLER,
    action: e.action,
    reason: e.reason,
    type: e.type,
    note: note.length > MAX_NOTE ? `${note.slice(0, MAX_NOTE - 1)}…` : note,
    regarding: {
      apiVersion: regarding.apiVersion,
      kind: regarding.kind,
      name,
      ...(namespace && { namespace }),
      ...(uid && { uid }),
    },
  };
}

export async function emitKubeEvent(client: ClusterClient, regarding: KubeObject, e: KubeEventInput, logger?: Logger): Promise<void> {
  try {
    await client.apply(kubeEventFor(regarding, e));
  } catch (err) {
    logger?.warn(
      { err, cluster: client.cluster, regarding: { kind: regarding.kind, name: regarding.metadata.name }, request_id: currentLogContext()?.requestId },
      'emitting a Kubernetes Event failed',
    );
  }
}
