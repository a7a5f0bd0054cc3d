// A small platform to test against, created through the API as platform admin: one cluster,
// two tenants (acme, globex) placed on it, a project and an app in each, policy sets (one
// attached to acme), and a grant in acme.
import { expect } from 'vitest';
import { kubeconfigB64 } from '../../support/kubeconfig.js';
import { ADMIN, type Caller, type Harness } from './harness.js';

export const CALLERS = {
  'platform-admin': { roles: ['platform-admin'], subject: 'root' },
  'platform-reader': { roles: ['read-only'], subject: 'auditor' },
  'tenant-admin': { roles: ['tenant-admin'], tenants: ['acme'], subject: 'alice' },
  'tenant-dev': { roles: ['tenant-dev'], tenants: ['acme'], subject: 'dave' },
  'tenant-reader': { roles: ['read-only'], tenants: ['acme'], subject: 'rita' },
  'no-role': { roles: [], tenants: ['acme'], subject: 'nobody' },
  anonymous: undefined,
} satisfies Record<string, Caller | undefined>;
export type CallerName = keyof typeof CALLERS;

let counter = 0;
/** A fresh object name. */
export const uniq = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export const appBody = (name: string, project: string, labels: Record<string, string> = {}) => ({
  name,
  labels,
  spec: { project, components: [{ name: 'web', type: 'webservice', properties: { image: 'nginx:1.27', port: 80 } }] },
});

export const grantBody = (name: string, tenant: string, project?: string) => ({
  name,
  spec: { tenant, ...(project && { project }), cluster: 'c1', subject: 'bob', ttlSeconds: 3600, role: 'view' },
});

/** Creates an object as platform admin and fails the test if that does not work. */
export async function adminCreate(h: Harness, url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await h.call(ADMIN, 'POST', url, body);
  expect(res.statusCode, `${url}: ${res.body}`).toBe(201);
  return JSON.parse(res.body) as Record<string, unknown>;
}

export async function seedWorld(h: Harness): Promise<void> {
  await adminCreate(h, '/api/v1/clusters', { name: 'c1', kubeconfig: kubeconfigB64(), labels: { region: 'eu' } });
  await adminCreate(h, '/api/v1/clusters', { name: 'c2', kubeconfig: kubeconfigB64(), labels: { region: 'us' } });
  await adminCreate(h, '/api/v1/policysets', { name: 'ps-acme', spec: { podSecurity: 'restricted' } });
  await adminCreate(h, '/api/v1/policysets', { name: 'ps-other', spec: {} });
  await adminCreate(h, '/api/v1/tenants', {
    name: 'acme',
    spec: { placement: { clusterSelector: { matchLabels: { region: 'eu' } } }, policySets: ['ps-acme'] },
  });
  await adminCreate(h, '/api/v1/tenants', { name: 'globex', spec: { placement: { clusters: ['c1'] }, policySets: ['ps-other'] } });
  await adminCreate(h, '/api/v1/tenants/acme/projects', { name: 'acme-web' });
  await adminCreate(h, '/api/v1/tenants/globex/projects', { name: 'globex-web' });
  await adminCreate(h, '/api/v1/apps', appBody('acme-shop', 'acme-web'));
  await adminCreate(h, '/api/v1/apps', appBody('globex-shop', 'globex-web'));
  await adminCreate(h, '/api/v1/kubeconfiggrants', grantBody('acme-grant', 'acme', 'acme-web'));
  await adminCreate(h, '/api/v1/kubeconfiggrants', grantBody('globex-grant', 'globex', 'globex-web'));
}
