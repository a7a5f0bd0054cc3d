// Kubeconfig grants end to end against a real cluster from tools/testenv (kube-apiserver, Capsule
// v0.14): the HTTP API on the real embedded store, real registration, the runtime with the
// Cluster, Tenant/Project and KubeconfigGrant reconcilers, and the issued token used by a real
// Kubernetes client.
//
// capsule-proxy cannot be built on this machine (its Go module is refused at every version), so
// the cluster is registered with a capsule-proxy endpoint nothing listens on. The issued
// kubeconfig's server is asserted to be that endpoint; the RBAC behaviour of the same credential
// is then tested against the kube-apiserver directly (what capsule-proxy would forward to after
// its TokenReview). Filtering of lists by capsule-proxy is NOT tested here.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { Writable } from 'node:stream';
import YAML from 'yaml';
import { endpointOf, type ClusterEndpoint } from '../../src/adapters/cluster/credentials.js';
import { AGENT } from '../../src/adapters/cluster/agent-identity.js';
import { CAPSULE_CONFIGURATION } from '../../src/adapters/capsule/administrators.js';
import { anchorOf, serviceAccountOf, TENANT_OWNER, usernameOf } from '../../src/adapters/grants/plan.js';
import { KubeClusterClient } from '../../src/adapters/kube/client.js';
import { loadKubeconfig, tokenKubeconfig } from '../../src/adapters/kube/kubeconfig.js';
import { KubeError, type KubeObject } from '../../src/adapters/kube/types.js';
import { clusterWriteServices } from '../../src/api/write-services.js';
import { createLogger } from '../../src/observability/logger.js';
import { clusterReconcilerRegistration } from '../../src/orchestrator/reconcilers/cluster.js';
import { createClusterClients } from '../../src/orchestrator/manager/cluster-clients.js';
import { grantIssuer } from '../../src/orchestrator/reconcilers/grant-issuer.js';
import { grantRegistration } from '../../src/orchestrator/reconcilers/grant.js';
import { startRuntime, type Runtime } from '../../src/orchestrator/manager/manager.js';
import { tenancyRegistrations } from '../../src/orchestrator/reconcilers/registrations.js';
import { ADMIN, json, openTestStore, startHarness, type Caller, type Harness } from '../api/support/harness.js';
import type { WriteServices } from '../../src/api/kinds/descriptor.js';
import { GRANT_ANNOTATIONS } from '../../src/adapters/grants/plan.js';
import { parseIdentityConfig } from '../../src/security/identity-config.js';
import { createIdentityVerifier } from '../../src/security/identity.js';
import { createIssuerVerifier } from '../../src/security/oidc-issuer.js';
import { startIdentityProvider } from '../support/identity-provider.js';
import { loginWithCode } from '../support/oidc-login.js';

const shared = inject('cluster');
const suffix = randomBytes(3).toString('hex');
const report = (line: string) => process.stderr.write(`[grants.test] ${line}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

const CLUSTER = `g-${suffix}`;
const T = `gt-${suffix}`;
const U = `gu-${suffix}`;
const P1 = `${T}-one`;
const P2 = `${T}-two`;
const Q1 = `${U}-one`;
/** A tenant with a namespace quota of 1: its second project is refused by Capsule. */
const V = `gv-${suffix}`;
const V1 = `${V}-one`;
const V2 = `${V}-two`;
/** Nothing listens here: capsule-proxy cannot be built on this machine (see the file comment). */
const PROXY = { url: 'https://127.0.0.1:9/', caData: Buffer.from('-----BEGIN CERTIFICATE-----\nnot-checked\n-----END CERTIFICATE-----\n').toString('base64') };

let h: Harness;
let services: WriteServices;
let closeStore: (() => Promise<void>) | undefined;
let runtime: Runtime | undefined;
let admin: KubeClusterClient;
let apiserver: ClusterEndpoint;
/** The grant reconciler's clock runs this far ahead (expiry without waiting). */
let clockOffsetMs = 0;
/** Log lines of the issuer and the runtime (the API's own lines are in h.logs). */
const logs: string[] = [];

const CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap' } as const;
const NAMESPACE = { apiVersion: 'v1', kind: 'Namespace' } as const;
const TENANT_TYPE = { apiVersion: 'capsule.clastix.io/v1beta2', kind: 'Tenant' } as const;

async function created(url: string, body: unknown, caller: Caller = ADMIN) {
  const res = await h.call(caller, 'POST', url, body);
  expect(res.statusCode, `${url}: ${res.body}`).toBe(201);
  return json(res);
}

async function deployed(kind: 'Tenant' | 'Project', name: string): Promise<void> {
  await vi.waitFor(
    async () => {
      const obj = await h.store.objects.get(kind, name);
      expect(obj?.status.phase, `${kind}/${name}: ${JSON.stringify(obj?.status)}`).toBe('Deployed');
    },
    { timeout: 120_000, interval: 100 },
  );
}

interface Issued {
  grant: { name: string; status: Record<string, unknown>; spec: Record<string, unknown> };
  kubeconfig: string;
}

async function issue(url: string, body: Record<string, unknown>, caller: Caller = ADMIN): Promise<Issued & { token: string; client: KubeClusterClient }> {
  const res = await h.call(caller, 'POST', url, { cluster: CLUSTER, ...body });
  expect(res.statusCode, res.body).toBe(201);
  const issued = json<Issued>(res);
  const doc = YAML.parse(issued.kubeconfig) as { clusters: Array<{ cluster: Record<string, string> }>; users: Array<{ user: { token: string } }> };
  // The kubeconfig points at capsule-proxy, with its CA; never at the API server.
  expect(doc.clusters[0]!.cluster.server).toBe(PROXY.url);
  expect(doc.clusters[0]!.cluster['certificate-authority-data']).toBe(PROXY.caData);
  expect(doc.clusters[0]!.cluster.server).not.toBe(apiserver.server);
  const token = doc.users[0]!.user.token;
  return { ...issued, token, client: await asApiserver(token) };
}

/** The same credential sent straight to the kube-apiserver (capsule-proxy cannot run here). */
function asApiserver(token: string): Promise<KubeClusterClient> {
  return KubeClusterClient.fromKubeconfigText(`grant-${suffix}`, tokenKubeconfig({ name: 'grant', ...apiserver, token }), { timeoutMs: 10_000 });
}

async function outcome(p: Promise<unknown>): Promise<'ok' | number> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof KubeError && err.status !== undefined) return err.status;
    throw err;
  }
}

/** A Capsule Tenant's resolved owners (`status.owners`, what capsule-proxy indexes). */
const ownersOf = (tenant: KubeObject | undefined) => (tenant?.status as { owners?: Array<{ kind: string; name: string }> } | undefined)?.owners ?? [];

const configMap = (namespace: string, name = `cm-${randomBytes(3).toString('hex')}`) => ({
  ...CONFIG_MAP,
  metadata: { name, namespace },
  data: { a: 'b' },
});

beforeAll(async () => {
  const opened = await openTestStore();
  closeStore = opened.close;
  // Every line the issuer and the reconcilers log, to check that no token is among them.
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    }),
  });
  const clients = createClusterClients(opened.store);
  services = { ...clusterWriteServices(logger), grants: grantIssuer({ objects: opened.store.objects, clients, logger }) };
  h = await startHarness({ store: opened.store, writeServices: services });
  const kubeconfig = await readFile(shared.kubeconfig, 'utf8');
  apiserver = endpointOf(loadKubeconfig(kubeconfig));
  admin = await KubeClusterClient.fromKubeconfigText(`admin-${suffix}`, kubeconfig);
  await created('/api/v1/clusters', { name: CLUSTER, kubeconfig: Buffer.from(kubeconfig).toString('base64'), spec: { capsuleProxy: PROXY } });
  runtime = startRuntime({
    store: h.store,
    logger,
    clients,
    reconcilers: [
      clusterReconcilerRegistration(),
      // No usage tracking: with it, the API would refuse the second project of the tenant with
      // namespace quota 1 (422) instead of letting Capsule refuse its namespace, which the grant
      // cases below are about (a project refused on a cluster still happens when usage is not
      // known yet there).
      ...tenancyRegistrations({ usage: false }),
      grantRegistration({ now: () => new Date(Date.now() + clockOffsetMs) }),
    ],
  });
  for (const [tenant, projects, quotas] of [
    [T, [P1, P2], {}],
    [U, [Q1], {}],
    [V, [V1], { namespaces: 1 }],
  ] as const) {
    await created('/api/v1/tenants', {
      name: tenant,
      spec: { owners: [{ kind: 'User', name: `owner-${tenant}` }], quotas, placement: { clusters: [CLUSTER] } },
    });
    for (const p of projects) await created(`/api/v1/tenants/${tenant}/projects`, { name: p });
  }
  await Promise.all([T, U, V].map((t) => deployed('Tenant', t)));
  await Promise.all([P1, P2, Q1, V1].map((p) => deployed('Project', p)));
}, 300_000);

afterAll(async () => {
  const grants = json<{ items: Array<{ name: string }> }>(await h.call(ADMIN, 'GET', '/api/v1/kubeconfiggrants?limit=500')).items;
  for (const g of grants) await h.call(ADMIN, 'DELETE', `/api/v1/kubeconfiggrants/${g.name}`);
  await vi
    .waitFor(async () => expect(json<{ items: unknown[] }>(await h.call(ADMIN, 'GET', '/api/v1/kubeconfiggrants')).items).toEqual([]), {
      timeout: 60_000,
      interval: 250,
    })
    .catch((err: unknown) => report(`cleanup: grants still there: ${String(err)}`));
  for (const t of [T, U, V]) {
    const projects = json<{ items: Array<{ name: string }> }>(await h.call(ADMIN, 'GET', `/api/v1/tenants/${t}/projects`)).items;
    for (const p of projects) await h.call(ADMIN, 'DELETE', `/api/v1/projects/${p.name}`);
  }
  for (const t of [T, U, V]) await h.call(ADMIN, 'DELETE', `/api/v1/tenants/${t}`);
  await vi
    .waitFor(
      async () => {
        for (const t of [T, U, V]) expect(await admin.get({ ...TENANT_TYPE, name: t })).toBeUndefined();
      },
      { timeout: 120_000, interval: 250 },
    )
    .catch((err: unknown) => report(`cleanup: tenants still there: ${String(err)}`));
  await runtime?.stop();
  admin?.close();
  await h?.close();
  await closeStore?.();
}, 300_000);

describe('registration', () => {
  it("makes the grants' ServiceAccount group a Capsule user group and creates the per-verb ClusterRoles", async () => {
    const config = await admin.get({ ...CAPSULE_CONFIGURATION });
    expect((config!.spec as { users: unknown[] }).users).toContainEqual({ kind: 'Group', name: AGENT.grantsGroup });
    const role = await admin.get({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'kubenova-grant-get' });
    expect(role?.rules).toEqual([{ apiGroups: ['*'], resources: ['*'], verbs: ['get'] }]);
  });
});

describe('issuing', () => {
  it("a project edit grant: granted verbs in its namespace, 403 in the tenant's other namespace, other tenants and cluster-wide", {
    timeout: 120_000,
  }, async () => {
    const g = await issue(`/api/v1/projects/${P1}:issue-kubeconfig`, { role: 'edit', ttlSeconds: 3600 });
    try {
      expect(await outcome(g.client.apply(configMap(P1)))).toBe('ok');
      expect(await outcome(g.client.list(CONFIG_MAP, { namespace: P1 }))).toBe('ok');
      expect(await outcome(g.client.apply(configMap(P2)))).toBe(403);
      expect(await outcome(g.client.list(CONFIG_MAP, { namespace: P2 }))).toBe(403);
      expect(await outcome(g.client.apply(configMap(Q1)))).toBe(403);
      expect(await outcome(g.client.list(CONFIG_MAP, { namespace: Q1 }))).toBe(403);
      expect(await outcome(g.client.list(NAMESPACE))).toBe(403);
      expect(await outcome(g.client.list(CONFIG_MAP))).toBe(403);
      // Who the API server sees: the grant's own ServiceAccount, in the Capsule user group.
      const who = await g.client.whoAmI();
      expect(who.username).toBe(`system:serviceaccount:${AGENT.grantsNamespace}:${serviceAccountOf(g.grant.name)}`);
      expect(who.groups).toContain(AGENT.grantsGroup);
    } finally {
      g.client.close();
    }
  });

  it('a view grant over two namespaces of the tenant reads there and cannot write', { timeout: 120_000 }, async () => {
    const g = await issue(`/api/v1/tenants/${T}:issue-kubeconfig`, { role: 'view', namespaces: [P1, P2] });
    try {
      for (const ns of [P1, P2]) {
        expect(await outcome(g.client.list(CONFIG_MAP, { namespace: ns }))).toBe('ok');
        expect(await outcome(g.client.apply(configMap(ns)))).toBe(403);
      }
      expect(await outcome(g.client.list(CONFIG_MAP, { namespace: Q1 }))).toBe(403);
      // No TenantOwner for anything but a tenant-admin grant.
      expect(await admin.list(TENANT_OWNER, { labelSelector: `kubenova.io/grant=${g.grant.name}` })).toEqual([]);
    } finally {
      g.client.close();
    }
  });

  it('a custom-verbs grant gets exactly those verbs', { timeout: 120_000 }, async () => {
    const g = await issue(`/api/v1/projects/${P2}:issue-kubeconfig`, { verbs: ['get', 'list', 'create'] });
    try {
      const name = `cm-${suffix}`;
      // A plain create (server-side apply would need patch too).
      const create = g.client.rest.request({ method: 'POST', path: `/api/v1/namespaces/${P2}/configmaps`, body: configMap(P2, name) });
      expect(await outcome(create)).toBe('ok');
      expect(await outcome(g.client.apply(configMap(P2, name)))).toBe(403);
      expect(await outcome(g.client.get({ ...CONFIG_MAP, name, namespace: P2 }))).toBe('ok');
      expect(await outcome(g.client.delete({ ...CONFIG_MAP, name, namespace: P2 }))).toBe(403);
      expect(await outcome(g.client.list(CONFIG_MAP, { namespace: P1 }))).toBe(403);
    } finally {
      g.client.close();
    }
  });

  it('a tenant-admin grant is a Capsule tenant owner and admin in every project', { timeout: 120_000 }, async () => {
    const g = await issue(`/api/v1/tenants/${T}:issue-kubeconfig`, { role: 'admin' });
    try {
      const owners = await admin.list(TENANT_OWNER, { labelSelector: `kubenova.io/grant=${g.grant.name}` });
      expect(owners).toHaveLength(1);
      expect(owners[0]!.metadata.labels).toMatchObject({ 'projectcapsule.dev/tenant': T });
      expect(g.grant.status).toMatchObject({ tenantOwner: true, state: 'Active' });
      for (const ns of [P1, P2]) expect(await outcome(g.client.apply(configMap(ns)))).toBe('ok');
      expect(await outcome(g.client.apply(configMap(Q1)))).toBe(403);
      // Capsule lists the TenantOwner in the Tenant's status.owners (what capsule-proxy reads to
      // show the owner its namespaces): the Tenant's matchOwners makes Capsule re-reconcile it on
      // TenantOwner events. Only in T's Tenant. (Without matchOwners, in this file's order, it
      // never showed within 30 s; run alone, it sometimes showed, Capsule reconciling the Tenant
      // for another reason, but then stayed after the revocation.)
      const username = usernameOf(g.grant.name);
      const listed = async (tenant: string) =>
        ownersOf(await admin.get({ ...TENANT_TYPE, name: tenant })).some((o) => o.kind === 'ServiceAccount' && o.name === username);
      let t0 = performance.now();
      await vi.waitFor(async () => expect(await listed(T)).toBe(true), { timeout: 30_000, interval: 100 });
      report(`TenantOwner → Tenant.status.owners: ${(performance.now() - t0).toFixed(0)} ms`);
      expect(await listed(U)).toBe(false);
      // Revoking the grant deletes the TenantOwner, and Capsule drops it from status.owners.
      t0 = performance.now();
      expect((await h.call(ADMIN, 'DELETE', `/api/v1/kubeconfiggrants/${g.grant.name}`)).statusCode).toBeLessThan(300);
      await vi.waitFor(async () => expect(await listed(T)).toBe(false), { timeout: 30_000, interval: 100 });
      report(`grant revoked → gone from Tenant.status.owners: ${(performance.now() - t0).toFixed(0)} ms`);
      // KubeNova's tenant stays Deployed throughout: Capsule's additions are not drift.
      expect((await h.store.objects.get('Tenant', T))!.status.phase).toBe('Deployed');
    } finally {
      g.client.close();
    }
  });

  it('shows the grant afterwards (who, scope, expiry, status) but never the token, in responses or logs', { timeout: 120_000 }, async () => {
    const before = h.logs.length;
    const beforeOwn = logs.length;
    const g = await issue(`/api/v1/projects/${P1}:issue-kubeconfig`, { role: 'view', subject: 'bob', ttlSeconds: 1200 });
    g.client.close();
    // The real expiry from the TokenRequest answer, about ttlSeconds from now.
    const expiresAt = Date.parse(g.grant.status.expiresAt as string);
    expect(Math.abs(expiresAt - (Date.now() + 1200_000))).toBeLessThan(120_000);
    const got = await h.call(ADMIN, 'GET', `/api/v1/kubeconfiggrants/${g.grant.name}`);
    expect(got.statusCode).toBe(200);
    expect(json(got)).toMatchObject({
      spec: { subject: 'bob', tenant: T, project: P1, cluster: CLUSTER, role: 'view' },
      status: { subject: 'bob', scope: { tenant: T, project: P1 }, cluster: CLUSTER, expiresAt: g.grant.status.expiresAt, state: 'Active' },
    });
    const listed = await h.call(ADMIN, 'GET', `/api/v1/kubeconfiggrants?labelSelector=${encodeURIComponent(`kubenova.io/project=${P1}`)}`);
    const names = json<{ items: Array<{ name: string }> }>(listed).items.map((i) => i.name);
    expect(names).toContain(g.grant.name);
    // Tokens are JWTs: neither the whole token nor its signature appears anywhere but the issuing response.
    const signature = g.token.split('.')[2]!;
    const lines = [...h.logs.slice(before), ...logs.slice(beforeOwn)];
    for (const text of [got.body, listed.body, ...lines]) {
      expect(text).not.toContain(g.token);
      expect(text).not.toContain(signature);
    }
    expect(lines.join('')).toContain('kubeconfig issued');
    // Nothing of the token in the store either.
    const stored = JSON.stringify(await h.store.objects.get('KubeconfigGrant', g.grant.name));
    expect(stored).not.toContain(signature);
  });

  it("tells that tenant access is blocked while the cluster's capsule-proxy is unreachable", { timeout: 120_000 }, async () => {
    const g = await issue(`/api/v1/projects/${P1}:issue-kubeconfig`, { role: 'view' });
    g.client.close();
    await vi.waitFor(
      async () => {
        const grant = await h.store.objects.get('KubeconfigGrant', g.grant.name);
        const c = grant?.status.conditions.find((x) => x.type === 'ProxyUnavailable');
        expect(c, JSON.stringify(grant?.status)).toMatchObject({ status: 'True', reason: 'Unreachable' });
        expect(c!.message).toContain('tenant access blocked');
      },
      { timeout: 90_000, interval: 250 },
    );
  });
});

describe('a person signed in through OIDC', () => {
  it('issues a kubeconfig: the grant record, its events and its ServiceAccount name them (username and issuer annotated)', { timeout: 120_000 }, async () => {
    const redirect = 'http://127.0.0.1:9/callback';
    const idp = await startIdentityProvider({
      clients: [{ clientId: 'kubenova', redirectUris: [redirect] }],
      users: { kim: { password: 'kim-pw', email: 'kim@corp.example', groups: ['web-devs'] } },
    });
    // Kim is tenant-dev of one project only, by a project-scoped role rule.
    const identity = parseIdentityConfig(`
issuers: [{ name: corp, issuerUrl: "${idp.issuer}", audiences: [kubenova], username: { claim: email } }]
roleRules: [{ name: web-devs, issuer: corp, group: web-devs, role: tenant-dev, tenant: ${T}, project: ${P1} }]
`);
    const person = await startHarness({
      store: h.store,
      writeServices: services,
      verifier: createIdentityVerifier({
        issuers: identity.issuers.map((i) => createIssuerVerifier(i)),
        rules: { rules: () => Promise.resolve(identity.roleRules) },
      }),
    });
    try {
      const token = (await loginWithCode({ issuer: idp.issuer, clientId: 'kubenova', redirectUri: redirect, login: 'kim', password: 'kim-pw' })).idToken;
      expect((await person.call(token, 'POST', `/api/v1/projects/${P2}:issue-kubeconfig`, { cluster: CLUSTER, role: 'edit' })).statusCode).toBe(404);
      const res = await person.call(
        token,
        'POST',
        `/api/v1/projects/${P1}:issue-kubeconfig`,
        { cluster: CLUSTER, role: 'edit' },
        { 'x-request-id': `kim-${suffix}` },
      );
      expect(res.statusCode, res.body).toBe(201);
      const { grant } = json<Issued>(res);
      const kim = { subject: 'oidc:corp:kim', issuer: 'corp', username: 'kim@corp.example' };
      expect(grant.spec).toMatchObject({ subject: kim.subject, requestedBy: kim });

      const sa = await admin.get({ apiVersion: 'v1', kind: 'ServiceAccount', namespace: AGENT.grantsNamespace, name: serviceAccountOf(grant.name) });
      expect(sa?.metadata.annotations).toMatchObject({
        [GRANT_ANNOTATIONS.subject]: kim.subject,
        [GRANT_ANNOTATIONS.requestedBy]: kim.subject,
        [GRANT_ANNOTATIONS.username]: kim.username,
        [GRANT_ANNOTATIONS.issuer]: kim.issuer,
      });
      const events = json<{ items: { reason: string; actor?: string }[] }>(await h.call(ADMIN, 'GET', `/api/v1/events?clientRequestId=kim-${suffix}`)).items;
      expect(events.find((e) => e.reason === 'Created')?.actor).toBe(kim.subject);
    } finally {
      await person.close();
      await idp.stop();
    }
  });
});

describe('a tenant whose second project Capsule refused (namespace quota 1)', () => {
  it('a tenant-wide grant binds the namespace that exists and names the refused one in its status', { timeout: 120_000 }, async () => {
    // Capsule counts namespaces from the Tenant's status: the second project is refused only
    // once the first one is counted.
    await vi.waitFor(async () => expect((await admin.get({ ...TENANT_TYPE, name: V }))?.status).toMatchObject({ size: 1 }), { timeout: 30_000, interval: 100 });
    await created(`/api/v1/tenants/${V}/projects`, { name: V2 });
    await vi.waitFor(
      async () => {
        const p = await h.store.objects.get('Project', V2);
        expect(p?.status.phase, JSON.stringify(p?.status)).toBe('Error');
        expect(JSON.stringify(p?.status)).toContain('TENANT_NAMESPACE_QUOTA_EXCEEDED');
      },
      { timeout: 60_000, interval: 100 },
    );
    expect(await admin.get({ ...NAMESPACE, name: V2 })).toBeUndefined();

    const g = await issue(`/api/v1/tenants/${V}:issue-kubeconfig`, { role: 'edit' });
    try {
      const skipped = [{ namespace: V2, reason: 'NamespaceMissing', message: expect.stringContaining('does not exist on the cluster') }];
      expect(g.grant.status).toMatchObject({ state: 'Active', namespaces: [V1], skippedNamespaces: skipped });
      expect(await outcome(g.client.apply(configMap(V1)))).toBe('ok');
      expect(await outcome(g.client.list(CONFIG_MAP, { namespace: V2 }))).toBe(403);
      // The reconciler keeps it so: Deployed, saying what is not bound (not an Error retried
      // forever over a namespace that cannot come).
      runtime!.enqueue(`KubeconfigGrant/${g.grant.name}`);
      await vi.waitFor(
        async () => {
          const grant = await h.store.objects.get('KubeconfigGrant', g.grant.name);
          expect(grant?.status, JSON.stringify(grant?.status)).toMatchObject({ phase: 'Deployed', namespaces: [V1], skippedNamespaces: skipped });
          expect(grant!.status.conditions.find((c) => c.type === 'Ready')).toMatchObject({
            status: 'True',
            message: expect.stringContaining('1 not bound (see skippedNamespaces)'),
          });
        },
        { timeout: 30_000, interval: 100 },
      );
      // Room for the second project: once its namespace exists, the grant binds it (woken by
      // the project's change).
      const tenant = json<{ spec: Record<string, unknown> }>(await h.call(ADMIN, 'GET', `/api/v1/tenants/${V}`));
      const put = await h.call(ADMIN, 'PUT', `/api/v1/tenants/${V}`, { spec: { ...tenant.spec, quotas: { namespaces: 2 } } });
      expect(put.statusCode, put.body).toBe(200);
      await deployed('Project', V2);
      await vi.waitFor(
        async () => {
          const grant = await h.store.objects.get('KubeconfigGrant', g.grant.name);
          expect(grant?.status, JSON.stringify(grant?.status)).toMatchObject({ phase: 'Deployed', namespaces: [V1, V2].sort(), skippedNamespaces: [] });
        },
        { timeout: 30_000, interval: 100 },
      );
      expect(await outcome(g.client.list(CONFIG_MAP, { namespace: V2 }))).toBe('ok');
    } finally {
      g.client.close();
    }
  });
});

describe('who may issue what', () => {
  const dev: Caller = { roles: ['tenant-dev'], tenants: [T], subject: 'dave' };
  it('a tenant-dev issues view/edit in its projects for itself only; admin, verbs and others are 403', { timeout: 120_000 }, async () => {
    const ok = await issue(`/api/v1/projects/${P1}:issue-kubeconfig`, { role: 'edit' }, dev);
    ok.client.close();
    expect(ok.grant.spec.subject).toBe('dave');
    for (const body of [{ role: 'admin' }, { verbs: ['get'] }, { role: 'view', subject: 'someone-else' }]) {
      const res = await h.call(dev, 'POST', `/api/v1/projects/${P1}:issue-kubeconfig`, { cluster: CLUSTER, ...body });
      expect(res.statusCode, JSON.stringify(body)).toBe(403);
    }
  });
  it("read-only never issues; a tenant-admin cannot reach another tenant's projects", async () => {
    const reader = await h.call({ roles: ['read-only'], tenants: [T], subject: 'rita' }, 'POST', `/api/v1/projects/${P1}:issue-kubeconfig`, {
      cluster: CLUSTER,
    });
    expect(reader.statusCode).toBe(403);
    const other = await h.call({ roles: ['tenant-admin'], tenants: [U], subject: 'ursula' }, 'POST', `/api/v1/projects/${P1}:issue-kubeconfig`, {
      cluster: CLUSTER,
    });
    expect(other.statusCode).toBe(404);
  });
});

describe('revocation and expiry', () => {
  it('DELETE revokes: the same token is refused (401) within seconds, its objects are gone', { timeout: 300_000 }, async () => {
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const g = await issue(`/api/v1/projects/${P1}:issue-kubeconfig`, { role: 'edit' });
      try {
        expect(await outcome(g.client.whoAmI())).toBe('ok');
        const t0 = performance.now();
        const res = await h.call(ADMIN, 'DELETE', `/api/v1/kubeconfiggrants/${g.grant.name}`);
        expect(res.statusCode).toBeLessThan(300);
        await vi.waitFor(async () => expect(await outcome(g.client.whoAmI())).toBe(401), { timeout: 60_000, interval: 20 });
        delays.push(performance.now() - t0);
      } finally {
        g.client.close();
      }
      await vi.waitFor(async () => expect(await h.store.objects.get('KubeconfigGrant', g.grant.name)).toBeUndefined(), { timeout: 60_000, interval: 100 });
      for (const ref of [
        { apiVersion: 'v1', kind: 'ServiceAccount', name: serviceAccountOf(g.grant.name), namespace: AGENT.grantsNamespace },
        { apiVersion: 'v1', kind: 'Secret', name: anchorOf(g.grant.name), namespace: AGENT.grantsNamespace },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', name: serviceAccountOf(g.grant.name), namespace: P1 },
      ]) {
        expect(await admin.get(ref)).toBeUndefined();
      }
    }
    report(`revocation delay (DELETE → 401) over ${delays.length}: median ${median(delays).toFixed(0)} ms, worst ${Math.max(...delays).toFixed(0)} ms`);
  });

  it('at expiry the reconciler removes the objects (the record stays Expired) and the token is refused', { timeout: 180_000 }, async () => {
    const g = await issue(`/api/v1/projects/${P2}:issue-kubeconfig`, { role: 'view', ttlSeconds: 600 });
    try {
      expect(await outcome(g.client.list(CONFIG_MAP, { namespace: P2 }))).toBe('ok');
      // The grant reconciler's clock moves past the expiry; the API server's does not, so the
      // refusal below comes from the removed ServiceAccount and anchor, not from the token's exp.
      clockOffsetMs = 601_000;
      runtime!.enqueue(`KubeconfigGrant/${g.grant.name}`);
      await vi.waitFor(
        async () => {
          const grant = await h.store.objects.get('KubeconfigGrant', g.grant.name);
          expect(grant?.status, JSON.stringify(grant?.status)).toMatchObject({ state: 'Expired', namespaces: [] });
          expect(grant!.status.conditions.find((c) => c.type === 'Expired')).toMatchObject({ status: 'True' });
        },
        { timeout: 60_000, interval: 100 },
      );
      expect(
        await admin.get({ apiVersion: 'v1', kind: 'ServiceAccount', name: serviceAccountOf(g.grant.name), namespace: AGENT.grantsNamespace }),
      ).toBeUndefined();
      expect(
        await admin.get({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', name: serviceAccountOf(g.grant.name), namespace: P2 }),
      ).toBeUndefined();
      await vi.waitFor(async () => expect(await outcome(g.client.whoAmI())).toBe(401), { timeout: 30_000, interval: 50 });
    } finally {
      clockOffsetMs = 0;
      g.client.close();
    }
  });
});
