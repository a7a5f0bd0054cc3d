// The test environment's optional capsule-proxy slot: taken only when the build holds both the
// binary and the proxy's own CRDs (it exits at once without them), and every address it is
// given is on loopback (its metrics default, :8080 on every interface, is KubeNova's port).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { capsuleProxySlot } from '../../tools/testenv/src/components/capsule-proxy.js';
import type { ClusterPlan } from '../../tools/testenv/src/plan.js';

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: proxysettings.capsule.clastix.io
spec: {}
`;

let build: string;
let plan: ClusterPlan;

beforeEach(async () => {
  build = await mkdtemp(join(tmpdir(), 'kn-slot-'));
  plan = {
    binDir: join(build, 'bin'),
    chartsDir: join(build, 'charts'),
    ports: { capsuleProxy: 40001, capsuleProxyMetrics: 40002 },
    pki: { capsuleProxy: { certFile: '/pki/p.crt', keyFile: '/pki/p.key' } },
    kubeconfigs: { capsule: join(build, 'capsule.kubeconfig') },
    layout: { kubeconfigs: join(build, 'kubeconfigs') },
  } as unknown as ClusterPlan;
  await mkdir(plan.binDir, { recursive: true });
});
afterEach(() => rm(build, { recursive: true, force: true }));

describe('capsule-proxy slot', () => {
  it('is skipped without the binary, and without its CRDs', async () => {
    expect(capsuleProxySlot(plan)).toBeUndefined();
    await writeFile(join(plan.binDir, 'capsule-proxy'), '');
    expect(capsuleProxySlot(plan)).toBeUndefined();
  });

  it('with both: installs its CRDs first and keeps metrics on loopback', async () => {
    await writeFile(join(plan.binDir, 'capsule-proxy'), '');
    await mkdir(join(plan.chartsDir, 'capsule-proxy', 'crds'), { recursive: true });
    await writeFile(join(plan.chartsDir, 'capsule-proxy', 'crds', 'proxysettings.yaml'), CRD);
    const slot = capsuleProxySlot(plan)!;
    expect(slot.crds.map((c) => c.metadata.name)).toEqual(['proxysettings.capsule.clastix.io']);
    expect(slot.process.args).toContain('--metrics-addr=127.0.0.1:40002');
    expect(slot.process.args).toContain('--listening-port=40001');
  });
});
