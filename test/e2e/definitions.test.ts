// Platform Definitions end to end against the real cluster from tools/testenv (kube-apiserver,
// vela-core v1.10.9 with its own admission webhooks): the HTTP API on the real embedded store,
// real cluster registration (the agent gets its Role in vela-system), the runtime with the
// ClusterReconciler and the DefinitionReconciler. A Definition installed through the API appears
// in vela-system, the cluster's capabilities list it (GET /clusters/{name}/definitions), KubeVela
// renders an Application that uses it, KubeVela's webhook refusing a broken template shows as
// Error with KubeVela's reason, and deleting a Definition removes it from the cluster and from
// the cluster's capabilities.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { AGENT } from '../../src/adapters/cluster/agent-identity.js';
import { KubeClusterClient } from '../../src/adapters/kube/client.js';
import { COMPONENT_DEFINITION_TYPE, TRAIT_DEFINITION_TYPE } from '../../src/adapters/vela/definitions.js';
import { clusterWriteServices } from '../../src/api/write-services.js';
import type { Resource } from '../../src/domain/resource.js';
import { createLogger } from '../../src/observability/logger.js';
import { clusterReconcilerRegistration } from '../../src/orchestrator/reconcilers/cluster.js';
import { definitionRegistration } from '../../src/orchestrator/reconcilers/registrations.js';
import { startRuntime, type Runtime } from '../../src/orchestrator/manager/manager.js';
import { ADMIN, json, startHarness, type Harness } from '../api/support/harness.js';

const shared = inject('cluster');
const suffix = randomBytes(3).toString('hex');
const logger = createLogger({ level: process.env.KUBENOVA_TEST_LOG ?? 'silent' });
const report = (line: string) => process.stderr.write(`[definitions.test] ${line}\n`);

const CLUSTER = `d-${suffix}`;
const COMPONENT = `kn-web-${suffix}`;
const TRAIT = `kn-note-${suffix}`;
const BROKEN = `kn-broken-${suffix}`;
const VELA_SYSTEM = 'vela-system';
const APP_NAMESPACE = `defs-${suffix}`;

let h: Harness;
let runtime: Runtime | undefined;
let admin: KubeClusterClient;

const COMPONENT_TEMPLATE = `
output: {
	apiVersion: "apps/v1"
	kind:       "Deployment"
	spec: {
		replicas: parameter.replicas
		selector: matchLabels: "app.oam.dev/component": context.name
		template: {
			metadata: labels: "app.oam.dev/component": context.name
			spec: containers: [{name: context.name, image: parameter.image}]
		}
	}
}
parameter: {
	image:    string
	replicas: *1 | int
}
`;

const TRAIT_TEMPLATE = `
patch: spec: template: metadata: annotations: "kubenova.io/note": parameter.note
parameter: note: *"hello" | string
`;

type DefinitionsView = {
  discovered: boolean;
  kubevela: boolean;
  components: string[];
  traits: string[];
  installed: { name: string; type: string; phase: string }[];
};

const definitionsOf = async (cluster = CLUSTER): Promise<DefinitionsView> => {
  const res = await h.call(ADMIN, 'GET', `/api/v1/clusters/${cluster}/definitions`);
  expect(res.statusCode, res.body).toBe(200);
  return json<DefinitionsView>(res);
};

const read = (name: string) => h.store.objects.get<Record<string, unknown>>('Definition', name);

async function phaseOf(name: string, phase: string, timeout = 90_000): Promise<Resource> {
  let last: Resource | undefined;
  await vi.waitFor(
    async () => {
      last = await read(name);
      expect(last?.status.phase, `Definition/${name}: ${JSON.stringify(last?.status)}`).toBe(phase);
      expect(last!.status.observedGeneration).toBe(last!.generation);
    },
    { timeout, interval: 100 },
  );
  return last!;
}

async function create(body: unknown): Promise<void> {
  const res = await h.call(ADMIN, 'POST', '/api/v1/definitions', body);
  expect(res.statusCode, res.body).toBe(201);
}

beforeAll(async () => {
  h = await startHarness({ writeServices: clusterWriteServices(logger) });
  const kubeconfig = await readFile(shared.kubeconfig, 'utf8');
  admin = await KubeClusterClient.fromKubeconfigText(`admin-${CLUSTER}`, kubeconfig);
  const res = await h.call(ADMIN, 'POST', '/api/v1/clusters', { name: CLUSTER, kubeconfig: Buffer.from(kubeconfig).toString('base64') });
  expect(res.statusCode, res.body).toBe(201);
  runtime = startRuntime({ store: h.store, logger, reconcilers: [clusterReconcilerRegistration(), definitionRegistration({ waitRequeueMs: 2_000 })] });
  await vi.waitFor(async () => expect((await definitionsOf()).discovered).toBe(true), { timeout: 60_000, interval: 200 });
}, 300_000);

afterAll(async () => {
  await runtime?.stop();
  // After a failure: nothing of this file stays in vela-system.
  if (admin) {
    for (const [type, name] of [
      [COMPONENT_DEFINITION_TYPE, COMPONENT],
      [TRAIT_DEFINITION_TYPE, TRAIT],
      [COMPONENT_DEFINITION_TYPE, BROKEN],
    ] as const) {
      await admin.delete({ ...type, name, namespace: VELA_SYSTEM }).catch(() => undefined);
    }
    await admin.delete({ apiVersion: 'core.oam.dev/v1beta1', kind: 'Application', name: `app-${suffix}`, namespace: APP_NAMESPACE }).catch(() => undefined);
    await admin.delete({ apiVersion: 'v1', kind: 'Namespace', name: APP_NAMESPACE }).catch(() => undefined);
    admin.close();
  }
  await h?.close();
}, 120_000);

describe('platform Definitions', () => {
  it('registration gives the agent write access to definitions in vela-system only', async () => {
    const role = await admin.get({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', name: AGENT.roleName, namespace: VELA_SYSTEM });
    expect((role as { rules?: unknown[] } | undefined)?.rules).toEqual([
      {
        apiGroups: ['core.oam.dev'],
        resources: ['componentdefinitions', 'traitdefinitions'],
        verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
      },
    ]);
    // What RBAC decides for the agent (a SubjectAccessReview, as the admin).
    const allowed = async (namespace: string) => {
      const { body } = await admin.rest.request<{ status?: { allowed?: boolean } }>({
        method: 'POST',
        path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: AGENT.username,
            groups: ['system:serviceaccounts', `system:serviceaccounts:${AGENT.namespace}`, 'system:authenticated'],
            resourceAttributes: { verb: 'create', group: 'core.oam.dev', resource: 'componentdefinitions', namespace },
          },
        },
      });
      return body?.status?.allowed === true;
    };
    expect(await allowed(VELA_SYSTEM)).toBe(true);
    expect(await allowed('default')).toBe(false);
  });

  it("a component and a trait installed through the API appear in vela-system and in the cluster's definitions", { timeout: 180_000 }, async () => {
    const before = await definitionsOf();
    expect(before.components).toContain('webservice');
    expect(before.components).not.toContain(COMPONENT);

    const t0 = performance.now();
    await create({
      name: COMPONENT,
      spec: { type: 'component', description: 'web from KubeNova', template: COMPONENT_TEMPLATE, workload: { apiVersion: 'apps/v1', kind: 'Deployment' } },
    });
    await create({ name: TRAIT, spec: { type: 'trait', clusters: [CLUSTER], template: TRAIT_TEMPLATE, appliesToWorkloads: ['deployments.apps'] } });
    await Promise.all([phaseOf(COMPONENT, 'Deployed'), phaseOf(TRAIT, 'Deployed')]);
    const deployedMs = performance.now() - t0;

    const cd = await admin.get({ ...COMPONENT_DEFINITION_TYPE, name: COMPONENT, namespace: VELA_SYSTEM });
    expect(cd?.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'kubenova', 'kubenova.io/definition': COMPONENT });
    expect(cd?.metadata.annotations?.['definition.oam.dev/description']).toBe('web from KubeNova');
    expect(cd?.spec).toMatchObject({
      workload: { definition: { apiVersion: 'apps/v1', kind: 'Deployment' } },
      schematic: { cue: { template: COMPONENT_TEMPLATE } },
    });
    const td = await admin.get({ ...TRAIT_DEFINITION_TYPE, name: TRAIT, namespace: VELA_SYSTEM });
    expect(td?.spec).toMatchObject({ appliesToWorkloads: ['deployments.apps'] });

    // The capability refresh follows the watch on KubeNova's definitions, not the 60 s resync.
    await vi.waitFor(
      async () => {
        const view = await definitionsOf();
        expect(view.components).toContain(COMPONENT);
        expect(view.traits).toContain(TRAIT);
      },
      { timeout: 30_000, interval: 100 },
    );
    report(`POST /definitions → Deployed: ${deployedMs.toFixed(0)} ms; → listed in capabilities: ${(performance.now() - t0).toFixed(0)} ms`);
    const view = await definitionsOf();
    expect(view.installed).toEqual(
      expect.arrayContaining([
        { name: COMPONENT, type: 'component', phase: 'Deployed', observedGeneration: 1, generation: 1 },
        { name: TRAIT, type: 'trait', phase: 'Deployed', observedGeneration: 1, generation: 1 },
      ]),
    );
  });

  it('KubeVela renders an Application that uses the new component type and trait', { timeout: 120_000 }, async () => {
    const app = `app-${suffix}`;
    // vela-core runs Applications as their author (authentication on), by user name only: the
    // author gets the admin role in the app's namespace, as a platform would grant a team.
    const me = (await admin.whoAmI()).username;
    await admin.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: APP_NAMESPACE } });
    await admin.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'author-admin', namespace: APP_NAMESPACE },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: me }],
    });
    await admin.apply({
      apiVersion: 'core.oam.dev/v1beta1',
      kind: 'Application',
      metadata: { name: app, namespace: APP_NAMESPACE },
      spec: {
        components: [
          { name: app, type: COMPONENT, properties: { image: 'nginx:1.27', replicas: 2 }, traits: [{ type: TRAIT, properties: { note: 'from-kubenova' } }] },
        ],
      },
    });
    await vi.waitFor(
      async () => {
        const deployment = await admin.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: app, namespace: APP_NAMESPACE });
        expect(deployment?.spec).toMatchObject({ replicas: 2, template: { metadata: { annotations: { 'kubenova.io/note': 'from-kubenova' } } } });
      },
      { timeout: 90_000, interval: 250 },
    );
  });

  it("a template KubeVela's webhook refuses is Error with KubeVela's reason, and nothing is installed", { timeout: 120_000 }, async () => {
    await create({ name: BROKEN, spec: { type: 'component', clusters: [CLUSTER], template: 'output: {\n\tkind: \n' } });
    const failed = await phaseOf(BROKEN, 'Error');
    const ready = failed.status.clusters?.[CLUSTER]?.conditions.find((c) => c.type === 'Ready');
    expect(ready?.reason).toBe('DefinitionRejected');
    expect(ready?.message).toMatch(/KubeVela's webhook refused the definition/);
    expect(ready?.message).not.toMatch(/requestUID/);
    report(`webhook refusal as shown: ${ready?.message}`);
    expect(await admin.get({ ...COMPONENT_DEFINITION_TYPE, name: BROKEN, namespace: VELA_SYSTEM })).toBeUndefined();
    const res = await h.call(ADMIN, 'DELETE', `/api/v1/definitions/${BROKEN}`);
    expect([202, 204]).toContain(res.statusCode);
    await vi.waitFor(async () => expect(await read(BROKEN)).toBeUndefined(), { timeout: 60_000, interval: 100 });
  });

  it("deleting a Definition removes it from the cluster and from the cluster's definitions", { timeout: 180_000 }, async () => {
    const res = await h.call(ADMIN, 'DELETE', `/api/v1/definitions/${COMPONENT}`);
    expect(res.statusCode, res.body).toBe(202);
    await vi.waitFor(async () => expect(await read(COMPONENT)).toBeUndefined(), { timeout: 90_000, interval: 100 });
    expect(await admin.get({ ...COMPONENT_DEFINITION_TYPE, name: COMPONENT, namespace: VELA_SYSTEM })).toBeUndefined();
    await vi.waitFor(async () => expect((await definitionsOf()).components).not.toContain(COMPONENT), { timeout: 30_000, interval: 100 });
    // The trait stays until it is deleted too.
    expect((await definitionsOf()).traits).toContain(TRAIT);
    expect((await h.call(ADMIN, 'DELETE', `/api/v1/definitions/${TRAIT}`)).statusCode).toBe(202);
    await vi.waitFor(async () => expect((await definitionsOf()).traits).not.toContain(TRAIT), { timeout: 90_000, interval: 100 });
  });
});
