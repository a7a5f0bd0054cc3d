// issue-kubeconfig through HTTP with the real issuer, for what needs no cluster: a cluster
// without a registered capsule-proxy endpoint gets no kubeconfig (the issuer refuses before it
// stores or applies anything). Issuing against a real cluster is in test/e2e/grants.test.ts.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { createClusterClients } from '../../src/orchestrator/manager/cluster-clients.js';
import { grantIssuer } from '../../src/orchestrator/reconcilers/grant-issuer.js';
import { storeKubeconfigAsGiven } from '../support/write-services.js';
import { json, openTestStore, startHarness, type Harness } from './support/harness.js';
import { CALLERS, seedWorld } from './support/world.js';

let h: Harness;
let close: () => Promise<void>;
beforeAll(async () => {
  const opened = await openTestStore();
  close = opened.close;
  const logger = createLogger({ level: 'silent' });
  h = await startHarness({
    store: opened.store,
    writeServices: { ...storeKubeconfigAsGiven, grants: grantIssuer({ objects: opened.store.objects, clients: createClusterClients(opened.store), logger }) },
  });
  await seedWorld(h);
});
afterAll(async () => {
  await h?.close();
  await close?.();
});

it('a cluster without a capsule-proxy endpoint: 409 PROXY_NOT_CONFIGURED, nothing stored', async () => {
  const before = (await h.store.objects.list('KubeconfigGrant', { limit: 500 })).items.length;
  const res = await h.call(CALLERS['tenant-admin'], 'POST', '/api/v1/projects/acme-web:issue-kubeconfig', { cluster: 'c1', role: 'view' });
  expect(res.statusCode, res.body).toBe(409);
  expect(json(res)).toMatchObject({ code: 'PROXY_NOT_CONFIGURED' });
  expect(json<{ message: string }>(res).message).toContain('capsuleProxy');
  expect((await h.store.objects.list('KubeconfigGrant', { limit: 500 })).items.length).toBe(before);
});

it('authorization comes first: a tenant-dev asking for admin is 403 whatever the cluster', async () => {
  const res = await h.call(CALLERS['tenant-dev'], 'POST', '/api/v1/projects/acme-web:issue-kubeconfig', { cluster: 'c1', role: 'admin' });
  expect(res.statusCode).toBe(403);
});

it('the grant record names who requested it, whatever the body claims; the field cannot change afterwards', async () => {
  const forged = { subject: 'someone-else', issuer: 'corp', username: 'ceo@corp.example' };
  const body = {
    name: 'acme-requested',
    spec: { tenant: 'acme', project: 'acme-web', cluster: 'c1', subject: 'bob', ttlSeconds: 3600, role: 'view', requestedBy: forged },
  };
  const res = await h.call(CALLERS['tenant-admin'], 'POST', '/api/v1/kubeconfiggrants', body);
  expect(res.statusCode, res.body).toBe(201);
  const grant = json<{ spec: Record<string, unknown>; labels: Record<string, string> }>(res);
  expect(grant.spec.requestedBy).toEqual({ subject: 'alice' });
  const changed = await h.call(CALLERS['tenant-admin'], 'PUT', '/api/v1/kubeconfiggrants/acme-requested', {
    labels: grant.labels,
    spec: { ...grant.spec, requestedBy: forged },
  });
  expect(changed.statusCode).toBe(400);
  expect(json(changed)).toMatchObject({ details: [{ field: 'body/spec/requestedBy', reason: 'cannot be changed after creation' }] });
});
