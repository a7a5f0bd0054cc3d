// Which of a grant's namespaces are bound (pure): a table of what the cluster has for each.
import { describe, expect, it } from 'vitest';
import { bindableNamespaces } from '../../../src/adapters/grants/namespaces.js';
import type { KubeObject } from '../../../src/adapters/kube/types.js';

const ns = (name: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, ownerReferences: [{ apiVersion: 'capsule.clastix.io/v1beta2', kind: 'Tenant', name: 't', uid: 'u1' }], ...extra },
});

describe('bindableNamespaces', () => {
  const cases: { reason: string; live: KubeObject | undefined; bound: boolean; skipReason?: string; message?: RegExp }[] = [
    { reason: 'a namespace Capsule adopted into the tenant is bound', live: ns('t-a'), bound: true },
    {
      reason:
        'a project whose namespace was never created (Capsule refused it over the namespace quota) is skipped, not an error: retrying could not create it',
      live: undefined,
      bound: false,
      skipReason: 'NamespaceMissing',
      message: /does not exist on the cluster/,
    },
    {
      reason: 'a namespace being deleted is skipped (RoleBindings cannot be created in it)',
      live: ns('t-a', { deletionTimestamp: '2026-01-01T00:00:00Z' }),
      bound: false,
      skipReason: 'NamespaceTerminating',
    },
    {
      reason: 'a same-named namespace outside any tenant is never bound (it is not the project)',
      live: ns('t-a', { ownerReferences: [] }),
      bound: false,
      skipReason: 'NamespaceNotAdopted',
      message: /not in tenant "t"/,
    },
    {
      reason: 'a namespace of another tenant is never bound, and the message does not name that tenant',
      live: ns('t-a', { ownerReferences: [{ apiVersion: 'capsule.clastix.io/v1beta2', kind: 'Tenant', name: 'other-tenant', uid: 'u2' }] }),
      bound: false,
      skipReason: 'NamespaceOwnershipInconsistent',
      message: /^not bound: the namespace on the cluster is not in tenant "t"$/,
    },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const out = bindableNamespaces('t', ['t-a'], [c.live]);
      if (c.bound) {
        expect(out).toEqual({ namespaces: ['t-a'], skipped: [] });
        return;
      }
      expect(out.namespaces).toEqual([]);
      expect(out.skipped).toEqual([{ namespace: 't-a', reason: c.skipReason, message: expect.stringMatching(c.message ?? /^not bound: /) }]);
      expect(out.skipped[0]!.message).not.toContain('other-tenant');
    });
  }

  it('keeps the order of the bound namespaces and reports each skipped one', () => {
    const out = bindableNamespaces('t', ['t-a', 't-b', 't-c'], [ns('t-a'), undefined, ns('t-c')]);
    expect(out.namespaces).toEqual(['t-a', 't-c']);
    expect(out.skipped.map((s) => s.namespace)).toEqual(['t-b']);
  });
});
