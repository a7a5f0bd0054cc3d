import { describe, expect, it } from 'vitest';
import { applicationReadiness, rolloutOf } from '../../../src/adapters/vela/index.js';
import type { KubeObject } from '../../../src/adapters/kube/types.js';

const app = (status: Record<string, unknown>, generation = 2): KubeObject => ({
  apiVersion: 'core.oam.dev/v1beta1',
  kind: 'Application',
  metadata: { name: 'shop', namespace: 'acme-web', generation },
  status: { observedGeneration: 2, ...status },
});

const step = (name: string, phase: string, extra: Record<string, unknown> = {}) => ({ name, type: name === 'hold' ? 'suspend' : 'deploy', phase, ...extra });

describe('applicationReadiness', () => {
  const cases: [string, KubeObject, { state: string; reason: string; message?: RegExp }][] = [
    ['a spec KubeVela has not seen yet', app({ status: 'running' }, 3), { state: 'progressing', reason: 'Rendering', message: /generation 3/ }],
    ['running with healthy components', app({ status: 'running', services: [{ name: 'web', healthy: true }] }), { state: 'ready', reason: 'Running' }],
    [
      'a running workflow, with the running step',
      app({ status: 'runningWorkflow', workflow: { steps: [step('ship', 'running', { message: 'wait healthy' })] } }),
      { state: 'progressing', reason: 'RunningWorkflow', message: /step "ship" \(deploy\): wait healthy/ },
    ],
    [
      'a suspended workflow, at its suspend step',
      app({ status: 'workflowSuspending', workflow: { suspend: true, steps: [step('hold', 'suspending')] } }),
      { state: 'progressing', reason: 'WorkflowSuspended', message: /suspended at step "hold"/ },
    ],
    [
      'a step that failed while the workflow still runs (KubeVela retries)',
      app({ status: 'runningWorkflow', workflow: { steps: [step('ship', 'failed', { reason: 'Execute', message: 'configmaps is forbidden' })] } }),
      { state: 'failed', reason: 'WorkflowStepFailed', message: /Execute: configmaps is forbidden/ },
    ],
    [
      'a failed workflow (step timeout)',
      app({ status: 'workflowFailed', workflow: { steps: [step('ship', 'failed', { reason: 'Timeout' })] } }),
      { state: 'failed', reason: 'WorkflowFailed', message: /Timeout/ },
    ],
    ['a terminated workflow', app({ status: 'workflowTerminated', workflow: { terminated: true } }), { state: 'failed', reason: 'WorkflowTerminated' }],
    [
      'unhealthy components, with their messages',
      app({ status: 'unhealthy', services: [{ name: 'web', healthy: false, message: 'Ready:0/2' }] }),
      { state: 'failed', reason: 'Unhealthy', message: /component "web" unhealthy: Ready:0\/2/ },
    ],
    [
      'a reconcile error condition',
      app({ status: 'rendering', conditions: [{ type: 'Render', status: 'False', reason: 'ReconcileError', message: 'bad properties' }] }),
      { state: 'failed', reason: 'ReconcileError', message: /Render: bad properties/ },
    ],
  ];
  for (const [what, obj, want] of cases) {
    it(what, () => {
      const r = applicationReadiness(obj);
      expect(r.state).toBe(want.state);
      expect(r.reason).toBe(want.reason);
      if (want.message) expect(r.message).toMatch(want.message);
    });
  }
});

describe('rolloutOf', () => {
  it("keeps revision, steps and component health in KubeNova's names", () => {
    const obj = app({
      status: 'workflowSuspending',
      latestRevision: { name: 'shop-v2', revision: 2, revisionHash: 'abc' },
      workflow: { suspend: true, terminated: false, finished: false, steps: [step('hold', 'suspending', { message: 'Suspended by field suspend' })] },
      services: [{ name: 'web', healthy: false, message: 'Ready:1/2', traits: [{ type: 'scaler', healthy: true }] }],
    });
    expect(rolloutOf(obj)).toEqual({
      state: 'workflowSuspending',
      revision: { name: 'shop-v2', number: 2 },
      workflow: {
        suspended: true,
        terminated: false,
        finished: false,
        steps: [{ name: 'hold', type: 'suspend', phase: 'suspending', message: 'Suspended by field suspend' }],
      },
      components: [{ name: 'web', healthy: false, message: 'Ready:1/2', traits: [{ type: 'scaler', healthy: true }] }],
    });
    expect(rolloutOf(undefined)).toEqual({ components: [] });
  });
});
