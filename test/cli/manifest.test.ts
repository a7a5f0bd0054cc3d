import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { resolveKind } from '../../src/cli/kinds.js';
import { manifestBody, parseDocuments, parseLabels, toManifest } from '../../src/cli/manifest.js';

describe('parseDocuments', () => {
  it('reads YAML with several documents, JSON objects and arrays, and {items} lists', () => {
    expect(parseDocuments('name: a\n---\nname: b\n', 'f')).toEqual([{ name: 'a' }, { name: 'b' }]);
    expect(parseDocuments('{"name":"a","spec":{}}', 'f')).toEqual([{ name: 'a', spec: {} }]);
    expect(parseDocuments('[{"name":"a"},{"name":"b"}]', 'f')).toHaveLength(2);
    expect(parseDocuments(YAML.stringify({ items: [{ name: 'a' }, { name: 'b' }] }), 'f').map((d) => d.name)).toEqual(['a', 'b']);
  });
  it('rejects empty input, scalars and broken syntax', () => {
    expect(() => parseDocuments('', 'f')).toThrow(/no objects/);
    expect(() => parseDocuments('42', 'f')).toThrow(/expected an object/);
    expect(() => parseDocuments('name: [a', 'f')).toThrow(/invalid YAML/);
  });
});

describe('toManifest', () => {
  const tenants = resolveKind('tenants');

  it('re-applies `get -o yaml` output: server-owned fields are dropped', () => {
    const fromGet = {
      kind: 'Tenant',
      name: 'acme',
      tenant: 'acme',
      labels: { env: 'prod' },
      spec: { owners: [] },
      status: { phase: 'Deployed' },
      generation: 2,
      resourceVersion: '9',
      createdAt: 'x',
      updatedAt: 'y',
      finalizers: ['kubenova.io/cleanup'],
    };
    const m = toManifest(fromGet, undefined, 'f');
    expect(m.descriptor).toBe(tenants);
    expect(manifestBody(m)).toEqual({ name: 'acme', labels: { env: 'prod' }, spec: { owners: [] } });
  });

  it("accepts the seed's cluster body without spec and keeps the kubeconfig", () => {
    const m = toManifest({ name: 'prod-a', kubeconfig: 'QkFTRTY0', labels: { region: 'eu-west' } }, resolveKind('cluster'), 'f');
    expect(manifestBody(m)).toEqual({ name: 'prod-a', kubeconfig: 'QkFTRTY0', labels: { region: 'eu-west' } });
  });

  it('drops the description of a write-only field read back from the server', () => {
    const fromGet = { kind: 'Cluster', name: 'prod-a', labels: {}, spec: {}, kubeconfig: { set: true, keyId: 'k1' } };
    expect(manifestBody(toManifest(fromGet, undefined, 'f'))).toEqual({ name: 'prod-a', labels: {}, spec: {} });
  });

  const bad: Array<{ doc: Record<string, unknown>; kind?: string; error: RegExp; reason: string }> = [
    { doc: { spec: {} }, kind: 'tenant', error: /"name" is required/, reason: 'no name' },
    { doc: { name: 'a', spec: {} }, error: /no kind given/, reason: 'no kind anywhere' },
    { doc: { kind: 'App', name: 'a', spec: {} }, kind: 'tenant', error: /does not match/, reason: 'kinds disagree' },
    { doc: { name: 'a', kubeconfig: 42 }, kind: 'cluster', error: /"kubeconfig" must be a string/, reason: 'kubeconfig is not base64 text' },
    { doc: { name: 'a', spec: [] }, kind: 'tenant', error: /"spec" must be an object/, reason: 'spec is a list' },
    { doc: { name: 'a', spec: {}, labels: { a: 1 } }, kind: 'tenant', error: /labels/, reason: 'non-string label' },
    { doc: { name: 'a', spec: {}, kubeconfig: 'x' }, kind: 'tenant', error: /unknown field\(s\) kubeconfig/, reason: 'kubeconfig only for clusters' },
    { doc: { name: 'a', spce: {} }, kind: 'cluster', error: /unknown field\(s\) spce/, reason: 'typo is caught' },
  ];
  it.each(bad)('rejects: $reason', ({ doc, kind, error }) => {
    expect(() => toManifest(doc, kind ? resolveKind(kind) : undefined, 'f')).toThrow(error);
  });
});

describe('parseLabels', () => {
  it('parses repeated key=value flags, values may contain "="', () => {
    expect(parseLabels(undefined)).toBeUndefined();
    expect(parseLabels(['env=prod', 'expr=a=b', 'empty='])).toEqual({ env: 'prod', expr: 'a=b', empty: '' });
    expect(() => parseLabels(['novalue'])).toThrow(/key=value/);
    expect(() => parseLabels(['=x'])).toThrow(/key=value/);
  });
});
