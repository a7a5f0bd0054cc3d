// Tenant usage arithmetic: quantities, fractions, totals over clusters, warning levels with
// hysteresis, and showback. Tables with reasons.
import { describe, expect, it } from 'vitest';
import {
  describePressure,
  pressureChanges,
  pressureCondition,
  pressures,
  pressuresFromMessage,
  quantityValue,
  showbackByTenant,
  showbackCsv,
  showbackLine,
  tenantUsageView,
  usageByCluster,
  warningLevelProblems,
  type ClusterUsage,
  type Pressure,
} from '../../src/domain/usage.js';

describe('quantityValue', () => {
  const cases: { q: string; v: number; reason: string }[] = [
    { q: '4', v: 4, reason: 'a plain count' },
    { q: '500m', v: 0.5, reason: 'milli cores' },
    { q: '1Gi', v: 2 ** 30, reason: 'binary suffix' },
    { q: '1.5Gi', v: 1.5 * 2 ** 30, reason: 'a decimal with a binary suffix (client-node throws here)' },
    { q: '2k', v: 2000, reason: 'decimal suffix' },
    { q: '1e3', v: 1000, reason: 'exponent form' },
    { q: '0', v: 0, reason: 'zero' },
  ];
  for (const c of cases) it(`${c.q}: ${c.reason}`, () => expect(quantityValue(c.q)).toBe(c.v));
  it('anything else is NaN, never a guess', () => {
    for (const q of ['', 'Gi', '1Zi', '1 Gi', 'abc']) expect(quantityValue(q), q).toBeNaN();
  });
});

const cluster = (resources: Record<string, [string, string]>, namespaces?: ClusterUsage['namespaces']): ClusterUsage => ({
  resources: Object.fromEntries(Object.entries(resources).map(([r, [hard, used]]) => [r, { hard, used }])),
  ...(namespaces && { namespaces }),
});

describe('tenantUsageView', () => {
  it('gives per-cluster fractions and sums hard and used over the clusters', () => {
    const view = tenantUsageView({
      b: cluster({ pods: ['5', '1'], 'requests.cpu': ['2', '500m'] }),
      a: cluster({ pods: ['5', '4'], 'requests.cpu': ['2', '1500m'], namespaces: ['3', '1'] }),
    });
    expect(Object.keys(view.clusters)).toEqual(['a', 'b']);
    expect(view.clusters.a!.pods).toEqual({ hard: '5', used: '4', hardValue: 5, usedValue: 4, fraction: 0.8 });
    expect(view.total.pods).toMatchObject({ hardValue: 10, usedValue: 5, fraction: 0.5 });
    expect(view.total['requests.cpu']).toMatchObject({ hard: '4', used: '2', fraction: 0.5 });
    expect(view.total.namespaces).toMatchObject({ hardValue: 3, usedValue: 1 });
  });

  it('a zero quota with something used is full, not a division by zero', () => {
    expect(tenantUsageView({ a: cluster({ pods: ['0', '1'] }) }).clusters.a!.pods!.fraction).toBe(1);
    expect(tenantUsageView({ a: cluster({ pods: ['0', '0'] }) }).clusters.a!.pods!.fraction).toBe(0);
  });

  it('merges the sources of one cluster (quota status and namespace counts)', () => {
    const merged = usageByCluster([
      { cluster: 'a', usage: cluster({ pods: ['5', '1'] }, { ns1: { pods: '1' } }) },
      { cluster: 'a', usage: cluster({ namespaces: ['2', '1'] }) },
    ]);
    expect(Object.keys(merged.a!.resources).sort()).toEqual(['namespaces', 'pods']);
    expect(merged.a!.namespaces).toEqual({ ns1: { pods: '1' } });
  });
});

describe('warning levels', () => {
  const levels = [0.8, 0.95];
  const at = (used: string, previous: Pressure[] = []) => pressures(tenantUsageView({ a: cluster({ pods: ['100', used] }) }), levels, previous);
  const cases: { used: string; previous: Pressure[]; level: number | undefined; reason: string }[] = [
    { used: '79', previous: [], level: undefined, reason: 'below the first level' },
    { used: '80', previous: [], level: 0.8, reason: 'reaching a level crosses it' },
    { used: '96', previous: [], level: 0.95, reason: 'the highest level reached is named' },
    { used: '77', previous: [{ cluster: 'a', resource: 'pods', level: 0.8, fraction: 0.8 }], level: 0.8, reason: 'within the hysteresis band it stays' },
    {
      used: '74',
      previous: [{ cluster: 'a', resource: 'pods', level: 0.8, fraction: 0.8 }],
      level: undefined,
      reason: 'falling below level minus 5 points clears it',
    },
    { used: '92', previous: [{ cluster: 'a', resource: 'pods', level: 0.95, fraction: 0.95 }], level: 0.95, reason: 'a higher level held in its band' },
    { used: '89', previous: [{ cluster: 'a', resource: 'pods', level: 0.95, fraction: 0.95 }], level: 0.8, reason: 'falling out of 95 % leaves 80 %' },
    { used: '77', previous: [], level: undefined, reason: 'the band only holds a level already crossed' },
  ];
  for (const c of cases) it(`${c.used} %: ${c.reason}`, () => expect(at(c.used, c.previous)[0]?.level).toBe(c.level));

  it('names what was raised and cleared', () => {
    const p80: Pressure = { cluster: 'a', resource: 'pods', level: 0.8, fraction: 0.8 };
    const p95: Pressure = { ...p80, level: 0.95, fraction: 0.96 };
    expect(pressureChanges([], [p80])).toEqual({ raised: [p80], cleared: [] });
    expect(pressureChanges([p80], [p95])).toEqual({ raised: [p95], cleared: [] });
    expect(pressureChanges([p95], [p80])).toEqual({ raised: [], cleared: [p95] });
    expect(pressureChanges([p80], [])).toEqual({ raised: [], cleared: [p80] });
    expect(pressureChanges([p80], [p80])).toEqual({ raised: [], cleared: [] });
  });

  it('the condition message names resource, cluster and fraction, and reads back', () => {
    const ps: Pressure[] = [
      { cluster: 'prod-a', resource: 'requests.cpu', level: 0.8, fraction: 0.825 },
      { cluster: 'prod-b', resource: 'pods', level: 0.95, fraction: 1 },
    ];
    const c = pressureCondition(ps);
    expect(c).toMatchObject({ type: 'QuotaPressure', status: 'True', reason: 'WarningLevelReached' });
    expect(c.message).toBe(`${describePressure(ps[0]!)}; ${describePressure(ps[1]!)}`);
    expect(c.message).toContain('requests.cpu on cluster prod-a at 82.5 % of its quota (warning level 80 %)');
    expect(pressuresFromMessage(c.message)).toEqual(ps);
    expect(pressureCondition([])).toMatchObject({ status: 'False', reason: 'BelowWarningLevels' });
  });

  it('levels must be fractions in increasing order', () => {
    expect(warningLevelProblems([0.8, 0.95])).toEqual([]);
    expect(warningLevelProblems([0.95, 0.8])).toEqual(['level 1 must be above level 0 (levels are listed in increasing order)']);
    expect(warningLevelProblems([0, 1.5])).toHaveLength(2);
  });
});

describe('showback', () => {
  const prices = { cpu: 0.04, memoryGiB: 0.01, storageGiB: 0.001 };
  it('prices requested cpu, memory and storage per hour', () => {
    const l = showbackLine(
      'acme',
      'a',
      cluster({ 'requests.cpu': ['4', '1500m'], 'requests.memory': ['8Gi', '3Gi'], 'requests.storage': ['100Gi', '10Gi'], pods: ['5', '2'] }),
      prices,
    );
    expect(l).toMatchObject({ tenant: 'acme', cluster: 'a', cpuCores: 1.5, memoryGiB: 3, storageGiB: 10 });
    expect(l.costPerHour).toBeCloseTo(1.5 * 0.04 + 3 * 0.01 + 10 * 0.001, 6);
  });

  it('a resource without a quota costs nothing', () => {
    expect(showbackLine('acme', 'a', cluster({ pods: ['5', '2'] }), prices).costPerHour).toBe(0);
  });

  it('groups by tenant with sums, and writes CSV', () => {
    const lines = [
      showbackLine('zeta', 'a', cluster({ 'requests.cpu': ['4', '1'] }), prices),
      showbackLine('acme', 'b', cluster({ 'requests.cpu': ['4', '2'] }), { ...prices, cpu: 0.05 }),
      showbackLine('acme', 'a', cluster({ 'requests.cpu': ['4', '1'] }), prices),
    ];
    const groups = showbackByTenant(lines);
    expect(groups.map((g) => g.tenant)).toEqual(['acme', 'zeta']);
    expect(groups[0]).toMatchObject({ cpuCores: 3 });
    expect(groups[0]!.costPerHour).toBeCloseTo(0.04 + 0.1, 6);
    expect(groups[0]!.clusters.map((c) => c.cluster)).toEqual(['a', 'b']);
    expect(showbackCsv(lines)).toBe(
      'tenant,cluster,cpuCores,memoryGiB,storageGiB,costPerHour\r\nzeta,a,1,0,0,0.04\r\nacme,b,2,0,0,0.1\r\nacme,a,1,0,0,0.04\r\n',
    );
  });
});
