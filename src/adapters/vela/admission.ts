// vela-core's refusals of an Application write, in KubeNova's terms. vela-core's webhooks
// (validating.core.oam.dev.v1beta1.applications / mutating...) answer with
// `admission webhook "<name>" denied the request: <message>`; the message says what is wrong
// (unknown definition, bad properties, an identity annotation). Also the refusal to impersonate
// the identity of the project's apps, which means the cluster's agent RBAC predates apps.
import { KubeError } from '../kube/types.js';

export interface VelaExplanation {
  code: string;
  summary: string;
  detail: string;
}

const DENIED = /admission webhook "([^"]*oam\.dev[^"]*)" denied the request: ([\s\S]*)$/;
const WEBHOOK_DOWN = /failed calling webhook "[^"]*oam\.dev[^"]*"/;
const IMPERSONATION = /cannot impersonate resource "serviceaccounts"/;

export function explainVela(err: unknown): VelaExplanation | undefined {
  if (!(err instanceof KubeError)) return undefined;
  if (WEBHOOK_DOWN.test(err.message)) {
    return {
      code: 'KUBEVELA_WEBHOOK_UNAVAILABLE',
      summary: "KubeVela's admission webhook did not answer; apps cannot be written until it does",
      detail: err.message,
    };
  }
  if (IMPERSONATION.test(err.message)) {
    return {
      code: 'APP_IDENTITY_NOT_ALLOWED',
      summary: "KubeNova's agent may not act as the identity of the project's apps on this cluster (register the cluster again to update the agent's RBAC)",
      detail: err.message,
    };
  }
  const webhook = err.admission?.webhook;
  const denied = webhook?.includes('oam.dev') ? err.admission!.message : DENIED.exec(err.message)?.[2];
  if (denied === undefined) return undefined;
  return { code: 'KUBEVELA_ADMISSION_DENIED', summary: 'KubeVela refused the Application', detail: denied.trim() };
}
