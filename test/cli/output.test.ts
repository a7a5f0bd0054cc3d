import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { resolveKind, type ApiObject } from '../../src/cli/kinds.js';
import { formatAge, formatData, formatExpiry, formatObjects, parseOutputFormat, redactSecrets, renderTable } from '../../src/cli/output.js';

const now = new Date('2026-01-10T12:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();

describe('formatAge', () => {
  const cases: Array<[number, string]> = [
    [0, '0s'],
    [59, '59s'],
    [119, '119s'],
    [150, '2m30s'],
    [300, '5m'],
    [45 * 60, '45m'],
    [3 * 3600 + 600, '3h10m'],
    [20 * 3600, '20h'],
    [3 * 86400 + 4 * 3600, '3d4h'],
    [30 * 86400, '30d'],
    [3 * 365 * 86400, '3y'],
  ];
  it.each(cases)('%is → %s', (s, want) => {
    expect(formatAge(ago(s), now)).toBe(want);
  });
  it('shows <none> for missing or invalid times, and 0s for clock skew', () => {
    expect(formatAge(undefined, now)).toBe('<none>');
    expect(formatAge('not a date', now)).toBe('<none>');
    expect(formatAge(new Date(now.getTime() + 5000).toISOString(), now)).toBe('0s');
  });
  it('formats expiries both ways', () => {
    expect(formatExpiry(new Date(now.getTime() + 3600_000), now)).toBe('in 60m');
    expect(formatExpiry(new Date(now.getTime() - 300_000), now)).toBe('expired 5m ago');
  });
});

describe('renderTable', () => {
  it('aligns columns with three spaces and no trailing blanks', () => {
    expect(
      renderTable(
        ['NAME', 'PHASE'],
        [
          ['a', 'Deployed'],
          ['longer-name', 'Pending'],
        ],
      ),
    ).toBe('NAME          PHASE\na             Deployed\nlonger-name   Pending\n');
  });
});

const app: ApiObject = {
  kind: 'App',
  name: 'web',
  tenant: 'acme',
  labels: { tier: 'frontend' },
  spec: { project: 'shop', components: [{ name: 'web', type: 'webservice' }] },
  status: { phase: 'Deployed', conditions: [], observedGeneration: 2 },
  generation: 3,
  resourceVersion: '7',
  createdAt: ago(300),
  updatedAt: ago(10),
  finalizers: [],
};

describe('formatObjects', () => {
  it('prints a table with TENANT, PHASE, kind columns, GEN/OBSERVED and AGE', () => {
    const out = formatObjects(resolveKind('apps'), [app], 'table', { single: false, now });
    const [header, row] = out.trimEnd().split('\n');
    expect(header!.split(/\s{2,}/)).toEqual(['NAME', 'TENANT', 'PHASE', 'PROJECT', 'COMPONENTS', 'REVISION', 'GEN/OBSERVED', 'AGE']);
    expect(row!.split(/\s{2,}/)).toEqual(['web', 'acme', 'Deployed', 'shop', 'web', '<none>', '3/2', '5m']);
  });

  it('leaves TENANT out for platform-scoped kinds and marks terminating objects', () => {
    const tenant: ApiObject = {
      name: 'acme',
      spec: {
        owners: [
          { kind: 'User', name: 'alice' },
          { kind: 'Group', name: 'devs' },
        ],
      },
      status: { phase: 'Applying', observedGeneration: 1, clusters: { a: {}, b: {} } },
      generation: 1,
      createdAt: ago(60),
      deletionTimestamp: ago(1),
    };
    const out = formatObjects(resolveKind('tenants'), [tenant], 'table', { single: false, now });
    const [header, row] = out.trimEnd().split('\n');
    expect(header!.split(/\s{2,}/)).toEqual(['NAME', 'PHASE', 'OWNERS', 'CLUSTERS', 'GEN/OBSERVED', 'AGE']);
    expect(row!.split(/\s{2,}/)).toEqual(['acme', 'Applying (Terminating)', 'alice,devs', 'a,b', '1/1', '60s']);
  });

  it('prints json and yaml: one object for get <name>, {items} for lists', () => {
    const d = resolveKind('apps');
    expect(JSON.parse(formatObjects(d, [app], 'json', { single: true, now }))).toEqual(app);
    expect(YAML.parse(formatObjects(d, [app], 'yaml', { single: false, now }))).toEqual({ items: [app] });
  });

  it('prints kind/name for -o name', () => {
    expect(formatObjects(resolveKind('apps'), [app, { ...app, name: 'api' }], 'name', { single: false, now })).toBe('app/web\napp/api\n');
  });
});

describe('parseOutputFormat', () => {
  it('accepts json, yaml, name and defaults to table', () => {
    expect(parseOutputFormat(undefined)).toBe('table');
    expect(parseOutputFormat('JSON')).toBe('json');
    expect(parseOutputFormat('yaml')).toBe('yaml');
    expect(parseOutputFormat('name')).toBe('name');
    expect(() => parseOutputFormat('xml')).toThrow(/unknown output format/);
  });
});

describe('redactSecrets', () => {
  it('never prints credential fields, at any depth', () => {
    const obj = { name: 'c', kubeconfig: 'YXBpVmVyc2lvbjogdjE=', spec: { auth: { token: 'abc', password: 'p' }, tokenTTL: '1h' } };
    expect(redactSecrets(obj)).toEqual({
      name: 'c',
      kubeconfig: '<redacted>',
      spec: { auth: { token: '<redacted>', password: '<redacted>' }, tokenTTL: '1h' },
    });
    expect(formatData(obj, 'json')).not.toContain('YXBpVmVyc2lvbjogdjE=');
  });
});
