import { describe, expect, it } from 'vitest';
import { operateWorkflow, WorkflowStateError } from '../../../src/adapters/vela/index.js';

const steps = [
  { name: 'a', phase: 'succeeded' as const },
  {
    name: 'b',
    phase: 'running' as const,
    subSteps: [
      { name: 'b1', phase: 'running' as const },
      { name: 'b2', phase: 'succeeded' as const },
    ],
  },
  { name: 'c', phase: 'pending' as const },
];

describe('operateWorkflow (as the vela CLI does it)', () => {
  it('suspend marks the workflow suspended and running steps suspending', () => {
    const wf = operateWorkflow({ steps }, 'suspend');
    expect(wf.suspend).toBe(true);
    expect(wf.steps!.map((s) => s.phase)).toEqual(['succeeded', 'suspending', 'pending']);
    expect(wf.steps![1]!.subSteps!.map((s) => s.phase)).toEqual(['suspending', 'succeeded']);
  });

  it('resume clears the mark and sets suspending steps running (a suspend step continues)', () => {
    const wf = operateWorkflow({ suspend: true, steps: [{ name: 'hold', phase: 'suspending' }] }, 'resume');
    expect(wf).toEqual({ suspend: false, steps: [{ name: 'hold', phase: 'running' }] });
    expect(() => operateWorkflow({ suspend: false, steps: [] }, 'resume')).toThrow(WorkflowStateError);
  });

  it('terminate fails unfinished steps with reason Terminate and keeps timeouts as they are', () => {
    const wf = operateWorkflow(
      { suspend: true, steps: [...steps, { name: 'd', phase: 'failed', reason: 'Timeout' }, { name: 'e', phase: 'failed', reason: 'Execute' }] },
      'terminate',
    );
    expect(wf.terminated).toBe(true);
    expect(wf.suspend).toBe(false);
    expect(wf.steps!.map((s) => `${s.phase}/${s.reason ?? ''}`)).toEqual(['succeeded/', 'failed/Terminate', 'pending/', 'failed/Timeout', 'failed/Terminate']);
    expect(() => operateWorkflow({ terminated: true }, 'suspend')).toThrow(/terminated/);
    expect(() => operateWorkflow({ finished: true }, 'terminate')).toThrow(/finished/);
    expect(() => operateWorkflow(undefined, 'suspend')).toThrow(/no workflow/);
  });
});
