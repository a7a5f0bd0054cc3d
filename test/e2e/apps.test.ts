// App delivery end to end against a real cluster from tools/testenv (kube-apiserver, Capsule,
// vela-core v1.10.9 with AuthenticateApplication, kwok): the HTTP API on the real store, real
// cluster registration, the runtime with the Cluster, Tenant/Project and App reconcilers.
// Apps are written as their project's app identity, so vela-core dispatches their resources with
// that identity's RBAC: a write into another tenant's namespace fails with Kubernetes' RBAC reason.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { KubeClusterClient } from '../../src/adapters/kube/client.js';
import type { KubeObject } from '../../src/adapters/kube/types.js';
import { projectAppServiceAccount, projectAppUsername } from '../../src/adapters/cluster/app-identity.js';
import { AGENT } from '../../src/adapters/cluster/agent-identity.js';
import type { RolloutView } from '../../src/api/kinds/app-rollout.js';
import { clusterWriteServices } from '../../src/api/write-services.js';
import type { Phase, ResourceStatus } from '../../src/domain/resource.js';
import { createLogger } from '../../src/observability/logger.js';
import { createClusterClients, type ClusterClients } from '../../src/orchestrator/manager/cluster-clients.js';
import { clusterReconcilerRegistration } from '../../src/orchestrator/reconcilers/cluster.js';
import { deliveryRegistrations, tenancyRegistrations } from '../../src/orchestrator/reconcilers/registrations.js';
import { startRevisionOutcomes, type RevisionOutcomes } from '../../src/orchestrator/reconcilers/revision-outcomes.js';
import { startRuntime, type Runtime } from '../../src/orchestrator/manager/manager.js';
import { ADMIN, json, startHarness, type Harness } from '../api/support/harness.js';
import { countingClients, type ApiCall } from '../support/api-calls.js';
import { recordStatuses, untilPhase } from '../support/phases.js';

const shared = inject('cluster');
const suffix = randomBytes(3).toString('hex');
const logger = createLogger({ level: process.env.KUBENOVA_TEST_LOG ?? 'silent' });
const report = (line: string) => process.stderr.write(`[apps.test] ${line}\n`);

const C = `c-${suffix}`;
const TA = `ta-${suffix}`;
const TB = `tb-${suffix}`;
const PA = `${TA}-web`;
const PB = `${TB}-web`;

const APPLICATION = { apiVersion: 'core.oam.dev/v1beta1', kind: 'Application' } as const;
const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' } as const;
const POD = { apiVersion: 'v1', kind: 'Pod' } as const;

let h: Harness;
let clients: ClusterClients | undefined;
let runtime: Runtime | undefined;
let outcomes: RevisionOutcomes | undefined;
/** Every status the reconcilers wrote, per object, in order. */
let statuses: (kind: 'App', name: string) => ResourceStatus[] = () => [];
let admin: KubeClusterClient;
const apps = new Set<string>();
/** Every Kubernetes API call the reconcilers made. */
let calls: ApiCall[] = [];

async function created(url: string, body: unknown): Promise<void> {
  const res = await h.call(ADMIN, 'POST', url, body);
  expect(res.statusCode, `${url}: ${res.body}`).toBe(201);
}

const read = (kind: 'App' | 'Tenant' | 'Project' | 'Cluster', name: string) => h.store.objects.get<Record<string, unknown>>(kind, name);

const phase = (name: string, want: Phase, timeout = 120_000) => untilPhase(h.store.objects, 'App', name, want, timeout);

async function rollout(name: string): Promise<RolloutView> {
  const res = await h.call(ADMIN, 'GET', `/api/v1/apps/${name}/rollout`);
  expect(res.statusCode, res.body).toBe(200);
  return json<RolloutView>(res);
}

const imageOf = (deployment: KubeObject) => (deployment.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image;

const webservice = (image: string, name = 'web') => ({ name, type: 'webservice', properties: { image } });

async function createApp(name: string, project: string, spec: Record<string, unknown>): Promise<void> {
  apps.add(name);
  await created('/api/v1/apps', { name, spec: { project, ...spec } });
}

beforeAll(async () => {
  // The API's workflow control and the runtime share one client per cluster.
  h = await startHarness({ writeServices: clusterWriteServices(logger, { clients: { forCluster: (n) => clients!.forCluster(n) } }) });
  clients = createClusterClients(h.store);
  statuses = recordStatuses(h.store.objects);
  const kubeconfig = await readFile(shared.kubeconfig, 'utf8');
  admin = await KubeClusterClient.fromKubeconfigText('admin', kubeconfig);
  await created('/api/v1/clusters', { name: C, kubeconfig: Buffer.from(kubeconfig).toString('base64'), labels: { suite: suffix } });
  const counted = countingClients(clients);
  calls = counted.calls;
  // Full checks of an unchanged app only at resyncs (not 60 s after the last one, the default):
  // the status-only tests below must not meet one on a slow machine.
  runtime = startRuntime({
    store: h.store,
    logger,
    clients: counted.clients,
    reconcilers: [clusterReconcilerRegistration(), ...tenancyRegistrations(), ...deliveryRegistrations({ fullCheckMs: 600_000 })],
  });
  // As in the server: revisions become succeeded/failed from the app's status.
  outcomes = startRevisionOutcomes({ store: h.store, logger, kinds: ['App'] });
  await vi.waitFor(
    async () => expect((await read('Cluster', C))?.status.capabilities).toMatchObject({ kubevela: { apiVersions: expect.arrayContaining(['v1beta1']) } }),
    {
      timeout: 60_000,
      interval: 100,
    },
  );
  for (const [tenant, project] of [
    [TA, PA],
    [TB, PB],
  ] as const) {
    await created('/api/v1/tenants', { name: tenant, spec: { owners: [{ kind: 'User', name: `owner-${tenant}` }], placement: { clusters: [C] } } });
    await created(`/api/v1/tenants/${tenant}/projects`, { name: project });
  }
  await vi.waitFor(
    async () => {
      for (const p of [PA, PB]) expect((await read('Project', p))?.status.phase).toBe('Deployed');
    },
    { timeout: 120_000, interval: 100 },
  );
}, 300_000);

afterAll(async () => {
  // Apps first (their Applications and identities), then the tenancy, through KubeNova itself.
  if (h && runtime) {
    for (const name of apps) await h.call(ADMIN, 'DELETE', `/api/v1/apps/${name}`);
    await vi
      .waitFor(
        async () => {
          for (const name of apps) expect(await read('App', name)).toBeUndefined();
        },
        { timeout: 120_000, interval: 250 },
      )
      .catch((err: unknown) => report(`apps not cleaned up: ${String(err)}`));
    for (const p of [PA, PB]) await h.call(ADMIN, 'DELETE', `/api/v1/projects/${p}`);
    for (const t of [TA, TB]) await h.call(ADMIN, 'DELETE', `/api/v1/tenants/${t}`);
    await vi
      .waitFor(
        async () => {
          for (const t of [TA, TB]) expect(await read('Tenant', t)).toBeUndefined();
        },
        { timeout: 120_000, interval: 250 },
      )
      .catch((err: unknown) => report(`tenancy not cleaned up: ${String(err)}`));
  }
  await outcomes?.stop();
  await runtime?.stop();
  admin?.close();
  await h?.close();
}, 400_000);

describe('an app with a webservice and a scaler', () => {
  const APP = `${TA}-shop`;

  it("reaches Deployed: 2 replicas, Pods Running on kwok, written as its project's app identity", { timeout: 180_000 }, async () => {
    const t0 = performance.now();
    await createApp(APP, PA, { components: [{ ...webservice('nginx:1.27'), traits: [{ type: 'scaler', properties: { replicas: 2 } }] }] });
    await phase(APP, 'Deployed');
    report(`POST /apps → Deployed: ${(performance.now() - t0).toFixed(0)} ms`);

    const deployment = (await admin.get({ ...DEPLOYMENT, namespace: PA, name: 'web' }))!;
    expect((deployment.spec as { replicas: number }).replicas).toBe(2);
    const pods = await admin.list(POD, { namespace: PA, labelSelector: 'app.oam.dev/component=web' });
    expect(pods.map((p) => (p.status as { phase: string }).phase)).toEqual(['Running', 'Running']);

    // vela-core recorded the project's app identity (not the agent's, not a caller's).
    const application = (await admin.get({ ...APPLICATION, namespace: PA, name: APP }))!;
    expect(application.metadata.annotations?.['app.oam.dev/username']).toBe(projectAppUsername(PA));
    expect(application.metadata.annotations?.['app.oam.dev/group'] ?? '').toBe('');
    expect(application.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'kubenova', 'kubenova.io/app': APP });
    expect(await admin.get({ apiVersion: 'v1', kind: 'ServiceAccount', namespace: AGENT.namespace, name: projectAppServiceAccount(PA) })).toBeDefined();

    const view = await rollout(APP);
    expect(view.phase).toBe('Deployed');
    expect(view.revision).toMatch(new RegExp(`^${APP}-v\\d+$`));
    expect(view.clusters[C]).toMatchObject({ phase: 'Deployed', state: 'running', components: [{ name: 'web', healthy: true }] });
  });

  it('an image update makes a new revision; the rollout shows its steps, then Deployed with the new image', { timeout: 180_000 }, async () => {
    const before = (await rollout(APP)).revision!;
    const current = json<{ resourceVersion: string }>(await h.call(ADMIN, 'GET', `/api/v1/apps/${APP}`));
    const res = await h.call(ADMIN, 'PUT', `/api/v1/apps/${APP}`, {
      spec: { project: PA, components: [{ ...webservice('nginx:1.28'), traits: [{ type: 'scaler', properties: { replicas: 2 } }] }] },
      resourceVersion: current.resourceVersion,
    });
    expect(res.statusCode, res.body).toBe(200);
    await phase(APP, 'Deployed');
    const view = await rollout(APP);
    expect(view.revision).toBeDefined();
    expect(view.revision).not.toBe(before);
    const steps = view.clusters[C]!.workflow!.steps;
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.every((s) => s.phase === 'succeeded')).toBe(true);
    const deployment = (await admin.get({ ...DEPLOYMENT, namespace: PA, name: 'web' }))!;
    expect(imageOf(deployment)).toBe('nginx:1.28');
  });

  it("a rollback restores the earlier image through KubeVela, and KubeNova's history shows the update and the rollback", { timeout: 180_000 }, async () => {
    interface Rev {
      revision: number;
      change: { type?: string; from?: number; to?: number };
      actor: string;
      reason?: string;
      outcome: { state: string; message?: string };
      spec: { components: { properties: { image: string } }[] };
    }
    const history = async () => json<{ items: Rev[] }>(await h.call(ADMIN, 'GET', `/api/v1/apps/${APP}/revisions`)).items;
    // The default target is the newest earlier revision that succeeded: the first one (nginx:1.27).
    await vi.waitFor(async () => expect((await history()).find((r) => r.revision === 1)?.outcome.state).toBe('succeeded'), { timeout: 60_000, interval: 100 });

    const res = await h.call(ADMIN, 'POST', `/api/v1/apps/${APP}:rollback`, { reason: 'nginx 1.28 breaks checkout' });
    expect(res.statusCode, res.body).toBe(200);
    expect(json(res)).toMatchObject({ fromRevision: 2, toRevision: 1 });
    await phase(APP, 'Deployed');
    expect(imageOf((await admin.get({ ...DEPLOYMENT, namespace: PA, name: 'web' }))!)).toBe('nginx:1.27');

    const revs = await history();
    expect(revs.map((r) => r.revision)).toEqual([3, 2, 1]);
    expect(revs[0]).toMatchObject({ change: { type: 'rolled-back', from: 2, to: 1 }, reason: 'nginx 1.28 breaks checkout' });
    expect(revs[0]!.spec.components[0]!.properties.image).toBe('nginx:1.27');
    expect(revs[1]!.spec.components[0]!.properties.image).toBe('nginx:1.28');
    await vi.waitFor(async () => expect((await history())[0]!.outcome.state).toBe('succeeded'), { timeout: 60_000, interval: 100 });
  });

  it("an Application edited on the cluster is put back: Drifted, then Deployed with the app's image", { timeout: 180_000 }, async () => {
    const from = statuses('App', APP).length;
    const intended = ((await read('App', APP))!.spec as { components: { properties: { image: string } }[] }).components[0]!.properties.image;
    const edited = { name: 'web', type: 'webservice', properties: { image: 'nginx:edited' }, traits: [{ type: 'scaler', properties: { replicas: 2 } }] };
    // As `kubectl edit` would: a merge patch by another field manager.
    await admin.rest.request({
      method: 'PATCH',
      path: `/apis/core.oam.dev/v1beta1/namespaces/${PA}/applications/${APP}`,
      query: { fieldManager: 'kubectl-edit' },
      contentType: 'application/merge-patch+json',
      body: { spec: { components: [edited] } },
    });
    const imageOfApplication = (app: KubeObject) => (app.spec as { components: { properties: { image: string } }[] }).components[0]!.properties.image;
    await vi.waitFor(async () => expect(imageOfApplication((await admin.get({ ...APPLICATION, namespace: PA, name: APP }))!)).toBe(intended), {
      timeout: 60_000,
      interval: 100,
    });
    await phase(APP, 'Deployed');
    const seen = statuses('App', APP).slice(from);
    expect(seen.map((s) => s.phase)).toContain('Drifted');
    expect(JSON.stringify(seen.find((s) => s.phase === 'Drifted'))).toContain('nginx:edited');
  });
});

describe("status-only changes of an app's Application", () => {
  const APP = `${TA}-quiet`;
  const ref = { ...APPLICATION, namespace: PA, name: APP };
  /** The reconcilers' calls since `from` that concern this app's objects (its Application, or a
   *  list by its owner labels). */
  const callsFor = (from: number) => calls.slice(from).filter((c) => c.name === APP || c.labelSelector?.includes(`kubenova.io/app=${APP}`));
  const writes = (cs: ApiCall[]) => cs.filter((c) => c.verb === 'apply' || c.verb === 'dryRunApply').map((c) => `${c.verb} ${c.kind} ${c.name}`);

  it('are taken into the status without writing to or listing the cluster', { timeout: 180_000 }, async () => {
    await createApp(APP, PA, { components: [webservice('nginx:1.27', 'quiet')] });
    await phase(APP, 'Deployed');
    const services = ((await admin.get(ref))!.status as { services: Record<string, unknown>[] }).services;
    const marker = `status-only change ${suffix}`;
    const from = calls.length;
    // vela-core ignores changes of status.services (its event filter), so the marker stays.
    await admin.patchStatus(ref, { status: { services: services.map((svc, i) => (i === 0 ? { ...svc, message: marker } : svc)) } });
    await vi.waitFor(async () => expect(JSON.stringify((await read('App', APP))!.status.clusters?.[C])).toContain(marker), { timeout: 60_000, interval: 100 });
    const seen = callsFor(from);
    report(`calls for a status-only change: ${seen.map((c) => `${c.verb} ${c.kind}`).join(', ') || 'none'}`);
    expect(writes(seen)).toEqual([]);
    expect(seen.filter((c) => c.verb === 'list')).toEqual([]);
    expect((await read('App', APP))!.status.phase).toBe('Deployed');
  });

  it('a spec edit after a status-only change is still put back: Drifted, then Deployed', { timeout: 180_000 }, async () => {
    const from = calls.length;
    const fromStatus = statuses('App', APP).length;
    await admin.rest.request({
      method: 'PATCH',
      path: `/apis/core.oam.dev/v1beta1/namespaces/${PA}/applications/${APP}`,
      query: { fieldManager: 'kubectl-edit' },
      contentType: 'application/merge-patch+json',
      body: { spec: { components: [webservice('nginx:edited-after-status', 'quiet')] } },
    });
    const image = (app: KubeObject) => (app.spec as { components: { properties: { image: string } }[] }).components[0]!.properties.image;
    await vi.waitFor(async () => expect(image((await admin.get(ref))!)).toBe('nginx:1.27'), { timeout: 60_000, interval: 100 });
    await phase(APP, 'Deployed');
    expect(
      statuses('App', APP)
        .slice(fromStatus)
        .map((s) => s.phase),
    ).toContain('Drifted');
    expect(writes(callsFor(from))).toContain(`apply Application ${APP}`);
  });
});

describe('workflows', () => {
  it('a suspend step shows as suspended in the rollout view and continues when resumed through the API', { timeout: 180_000 }, async () => {
    const APP = `${TA}-gated`;
    await createApp(APP, PA, {
      components: [webservice('nginx:1.27', 'gate')],
      workflow: {
        steps: [
          { name: 'approve', type: 'suspend' },
          { name: 'ship', type: 'deploy', properties: { policies: [] } },
        ],
      },
    });
    await vi.waitFor(
      async () => {
        const c = (await rollout(APP)).clusters[C];
        expect(c, JSON.stringify(c)).toMatchObject({ phase: 'Applying', reason: 'WorkflowSuspended', workflow: { suspended: true } });
        expect(c!.workflow!.steps.find((s) => s.name === 'approve')?.phase).toBe('suspending');
      },
      { timeout: 120_000, interval: 200 },
    );
    expect(await admin.get({ ...DEPLOYMENT, namespace: PA, name: 'gate' })).toBeUndefined();

    const resumed = await h.call(ADMIN, 'POST', `/api/v1/apps/${APP}:resume`, {});
    expect(resumed.statusCode, resumed.body).toBe(200);
    expect(json(resumed)).toMatchObject({ action: 'resume', clusters: { [C]: { done: true } } });
    await phase(APP, 'Deployed');
    const c = (await rollout(APP)).clusters[C]!;
    expect(c.workflow!.steps.map((s) => `${s.name}:${s.phase}`)).toEqual(['approve:succeeded', 'ship:succeeded']);
    // Nothing left to resume: a conflict that says why.
    const again = await h.call(ADMIN, 'POST', `/api/v1/apps/${APP}:resume`, {});
    expect(again.statusCode, again.body).toBe(409);
  });
});

describe('failures', () => {
  it('an unknown component type is 422, naming the type and the cluster, before anything is stored', async () => {
    const res = await h.call(ADMIN, 'POST', '/api/v1/apps', {
      name: `${TA}-bad`,
      spec: { project: PA, components: [{ name: 'fn', type: 'lambda-function' }] },
    });
    expect(res.statusCode, res.body).toBe(422);
    expect(json(res)).toMatchObject({
      details: [{ field: 'body/spec/components/0/type', reason: expect.stringContaining(`cluster "${C}" lacks ComponentDefinition "lambda-function"`) }],
    });
    expect(await read('App', `${TA}-bad`)).toBeUndefined();
  });

  it("a workload that never becomes healthy fails its step's timeout: Error with KubeVela's reason", { timeout: 180_000 }, async () => {
    const APP = `${TA}-stuck`;
    // No node can take 100000 CPUs: the Pods stay Pending and the deploy step waits for health.
    await createApp(APP, PA, {
      components: [{ name: 'stuck', type: 'webservice', properties: { image: 'nginx:1.27', cpu: '100000' } }],
      workflow: { steps: [{ name: 'ship', type: 'deploy', properties: { policies: [] }, timeout: '15s' }] },
    });
    const app = await phase(APP, 'Error');
    const ready = app.status.conditions.find((c) => c.type === 'Ready')!;
    report(`unhealthy app: ${ready.reason}: ${ready.message}`);
    expect(ready.reason).toBe('WorkflowFailed');
    expect(ready.message).toMatch(/Timeout/);
    expect((await rollout(APP)).clusters[C]!.workflow!.steps[0]).toMatchObject({ name: 'ship', phase: 'failed', reason: 'Timeout' });
  });
});

describe("an app runs with its tenant's identity", () => {
  it("cannot write into another tenant's namespace: Error with the RBAC reason, and nothing is written", { timeout: 180_000 }, async () => {
    const APP = `${TA}-intruder`;
    const target = `loot-${suffix}`;
    await createApp(APP, PA, {
      components: [
        {
          name: 'cm',
          type: 'k8s-objects',
          properties: { objects: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: target, namespace: PB }, data: { stolen: 'yes' } }] },
        },
      ],
    });
    const app = await phase(APP, 'Error');
    const ready = app.status.conditions.find((c) => c.type === 'Ready')!;
    report(`cross-tenant write: ${ready.reason}: ${ready.message}`);
    expect(ready.message).toMatch(/forbidden/);
    expect(ready.message).toContain(projectAppUsername(PA));
    expect(await admin.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: PB, name: target })).toBeUndefined();
  });

  it("an app from a version that gave each app an identity of its own moves to its project's; its own is removed", { timeout: 180_000 }, async () => {
    const APP = `${TA}-legacy`;
    const account = `app-${APP}`;
    const labels = { 'app.kubernetes.io/managed-by': 'kubenova', 'kubenova.io/tenant': TA, 'kubenova.io/project': PA, 'kubenova.io/app': APP };
    const SA = { apiVersion: 'v1', kind: 'ServiceAccount', namespace: AGENT.namespace, name: account };
    const bindings = ['admin', 'kubenova-app-runner'].map((role, i) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: `kubenova-${account}-${i === 0 ? 'admin' : 'runner'}`, namespace: PA, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'ServiceAccount', name: account, namespace: AGENT.namespace }],
    }));
    // What the earlier version left on the cluster: the app's own identity, and its Application
    // written as that identity (so vela-core recorded it as the Application's user).
    await admin.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: account, namespace: AGENT.namespace, labels } });
    for (const b of bindings) await admin.apply(b);
    const legacyUser = `system:serviceaccount:${AGENT.namespace}:${account}`;
    // The API server's RBAC takes the new bindings in a moment later: retried until it has.
    await vi.waitFor(
      () =>
        admin
          .impersonating(legacyUser)
          .apply({ ...APPLICATION, metadata: { name: APP, namespace: PA, labels }, spec: { components: [webservice('nginx:1.27', 'legacy')] } }),
      { timeout: 30_000, interval: 250 },
    );
    expect((await admin.get({ ...APPLICATION, namespace: PA, name: APP }))!.metadata.annotations?.['app.oam.dev/username']).toBe(legacyUser);

    await createApp(APP, PA, { components: [webservice('nginx:1.27', 'legacy')] });
    await phase(APP, 'Deployed');
    await vi.waitFor(
      async () => {
        const application = (await admin.get({ ...APPLICATION, namespace: PA, name: APP }))!;
        expect(application.metadata.annotations?.['app.oam.dev/username']).toBe(projectAppUsername(PA));
        expect(await admin.get(SA)).toBeUndefined();
        for (const b of bindings) expect(await admin.get({ apiVersion: b.apiVersion, kind: b.kind, namespace: PA, name: b.metadata.name })).toBeUndefined();
      },
      { timeout: 60_000, interval: 250 },
    );
    // vela-core still runs it, now as the project's identity.
    expect((await phase(APP, 'Deployed')).status.phase).toBe('Deployed');
    expect(await admin.get({ ...DEPLOYMENT, namespace: PA, name: 'legacy' })).toBeDefined();
  });

  it('cannot escalate through KubeVela metadata: refused by the API, never passed to the Application', async () => {
    for (const body of [
      { name: `${TA}-esc1`, labels: { 'app.oam.dev/username': 'kubernetes-admin' }, spec: { project: PA, components: [webservice('nginx')] } },
      {
        name: `${TA}-esc2`,
        spec: {
          project: PA,
          components: [{ ...webservice('nginx'), traits: [{ type: 'annotations', properties: { 'app.oam.dev/group': 'system:masters' } }] }],
        },
      },
    ]) {
      const res = await h.call(ADMIN, 'POST', '/api/v1/apps', body);
      expect(res.statusCode, res.body).toBe(422);
      expect(await read('App', body.name)).toBeUndefined();
    }
    // Every Application KubeNova projected carries vela-core's record of its project's app
    // identity and no group: nothing a caller wrote.
    const projected: KubeObject[] = await admin.list(APPLICATION, { labelSelector: 'app.kubernetes.io/managed-by=kubenova' });
    expect(projected.length).toBeGreaterThan(0);
    for (const a of projected) {
      expect(a.metadata.annotations?.['app.oam.dev/username']).toBe(projectAppUsername(a.metadata.namespace!));
      expect(a.metadata.annotations?.['app.oam.dev/group'] ?? '').toBe('');
      expect(Object.keys(a.metadata.labels ?? {}).filter((k) => k.startsWith('app.oam.dev/') || k.startsWith('oam.dev/'))).toEqual([]);
    }
  });
});
