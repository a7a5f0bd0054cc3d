// Asking the API server about the caller itself: who it is (SelfSubjectReview) and whether it
// may do something (SelfSubjectAccessReview). Every authenticated user may ask both.
import type { KubeRest } from './rest.js';

export interface Identity {
  username: string;
  groups: string[];
}

/** One permission, as `kubectl auth can-i <verb> <resource>[/<subresource>] [-n ns] [--group]`. */
export interface AccessCheck {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export async function selfSubjectReview(rest: KubeRest, signal?: AbortSignal): Promise<Identity> {
  const { body } = await rest.request<{ status?: { userInfo?: { username?: string; groups?: string[] } } }>({
    method: 'POST',
    path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    signal,
  });
  return { username: body.status?.userInfo?.username ?? '', groups: body.status?.userInfo?.groups ?? [] };
}

export async function selfSubjectAccessReview(rest: KubeRest, check: AccessCheck, signal?: AbortSignal): Promise<boolean> {
  const { body } = await rest.request<{ status?: { allowed?: boolean } }>({
    method: 'POST',
    path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: check },
    },
    signal,
  });
  return body.status?.allowed === true;
}

/** `create clusterroles.rbac.authorization.k8s.io`, as people read permissions. */
export function describeCheck(c: AccessCheck): string {
  const resource = `${c.resource}${c.subresource ? `/${c.subresource}` : ''}${c.group ? `.${c.group}` : ''}`;
  return `${c.verb} ${resource}${c.name ? ` "${c.name}"` : ''}${c.namespace ? ` in namespace ${c.namespace}` : ''}`;
}
