import { describe, expect, it } from 'vitest';
import { CliError, EXIT } from '../../src/cli/errors.js';
import { childCollectionPath, KIND_DESCRIPTORS, methodPath, objectPath, resolveKind } from '../../src/cli/kinds.js';

describe('resolveKind', () => {
  const cases: Array<{ input: string; kind: string; reason: string }> = [
    { input: 'tenant', kind: 'Tenant', reason: 'singular' },
    { input: 'tenants', kind: 'Tenant', reason: 'plural' },
    { input: 'tn', kind: 'Tenant', reason: 'short alias' },
    { input: 'Tenant', kind: 'Tenant', reason: 'API kind name' },
    { input: 'TENANTS', kind: 'Tenant', reason: 'case-insensitive' },
    { input: 'cl', kind: 'Cluster', reason: 'cluster alias' },
    { input: 'clusters', kind: 'Cluster', reason: 'cluster plural' },
    { input: 'proj', kind: 'Project', reason: 'project alias' },
    { input: 'app', kind: 'App', reason: 'app singular' },
    { input: 'applications', kind: 'App', reason: 'KubeVela spelling' },
    { input: 'ps', kind: 'PolicySet', reason: 'policyset alias' },
    { input: 'PolicySets', kind: 'PolicySet', reason: 'mixed case plural' },
    { input: 'kcg', kind: 'KubeconfigGrant', reason: 'grant alias' },
    { input: 'kubeconfiggrant', kind: 'KubeconfigGrant', reason: 'grant singular' },
    { input: 'grants', kind: 'KubeconfigGrant', reason: 'grant short plural' },
  ];
  it.each(cases)('$input → $kind ($reason)', ({ input, kind }) => {
    expect(resolveKind(input).kind).toBe(kind);
  });

  it('rejects unknown kinds as a usage error listing the known ones', () => {
    let err: unknown;
    try {
      resolveKind('pods');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(EXIT.usage);
    expect((err as CliError).message).toContain('tenants|tn');
  });

  it('gives every alias to exactly one kind', () => {
    const seen = new Map<string, string>();
    for (const d of KIND_DESCRIPTORS) {
      for (const n of [d.kind.toLowerCase(), d.singular, d.plural, ...d.aliases]) {
        const owner = seen.get(n);
        expect(owner === undefined || owner === d.kind, `${n} claimed by ${owner} and ${d.kind}`).toBe(true);
        seen.set(n, d.kind);
      }
    }
  });
});

describe('paths', () => {
  it('escapes names and builds custom-method paths', () => {
    const apps = resolveKind('apps');
    expect(objectPath(apps, 'web')).toBe('/apps/web');
    expect(objectPath(apps, 'a/b c')).toBe('/apps/a%2Fb%20c');
    expect(methodPath(apps, 'web', 'rollback')).toBe('/apps/web:rollback');
    expect(childCollectionPath(resolveKind('projects'), 'tenant', 'acme')).toBe('/tenants/acme/projects');
    expect(childCollectionPath(resolveKind('grants'), 'project', 'shop')).toBe('/projects/shop/kubeconfiggrants');
  });
});
