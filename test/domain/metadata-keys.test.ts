// Reserved label and annotation keys of a tenant's namespace metadata: which class a key is in,
// and which writes are refused for whom. Tables with reasons.
import { describe, expect, it } from 'vitest';
import { reservedClass, reservedKeyProblems, withoutIdentityKeys } from '../../src/adapters/capsule/metadata-keys.js';
import { type ReservedClass } from '../../src/domain/metadata-keys.js';

describe('reservedClass', () => {
  const cases: { key: string; cls: ReservedClass | undefined; reason: string }[] = [
    { key: 'capsule.clastix.io/tenant', cls: 'identity', reason: "Capsule's tenant label: b's NetworkPolicy admits namespaces carrying b's" },
    { key: 'kubenova.io/tenant', cls: 'identity', reason: "KubeNova's ownership label" },
    { key: 'kubenova.io/project', cls: 'identity', reason: 'every key under kubenova.io/' },
    { key: 'projectcapsule.dev/tenant', cls: 'identity', reason: "Capsule's newer domain" },
    { key: 'foo.capsule.clastix.io/x', cls: 'identity', reason: 'subdomains of an identity domain' },
    { key: 'Capsule.Clastix.IO/tenant', cls: 'identity', reason: 'domains compare without case' },
    { key: 'app.kubernetes.io/managed-by', cls: 'identity', reason: "KubeNova's managed-by marker, although app.kubernetes.io/ is free" },
    { key: 'kubernetes.io/metadata.name', cls: 'identity', reason: "the namespace's own name, which KubeNova's DNS egress rule selects by" },
    { key: 'scheduler.alpha.kubernetes.io/node-selector', cls: 'platform', reason: 'scheduling: which nodes the tenant runs on' },
    { key: 'scheduler.alpha.kubernetes.io/defaultTolerations', cls: 'platform', reason: 'scheduling: tolerations of every pod' },
    { key: 'openshift.io/node-selector', cls: 'platform', reason: "OpenShift's node selector" },
    { key: 'pod-security.kubernetes.io/enforce', cls: 'platform', reason: 'pod security would be relaxed' },
    { key: 'node-role.kubernetes.io/control-plane', cls: 'platform', reason: 'a subdomain of kubernetes.io' },
    { key: 'kubernetes.io/anything', cls: 'platform', reason: 'kubernetes.io itself' },
    { key: 'k8s.io/x', cls: 'platform', reason: 'k8s.io itself' },
    { key: 'x.k8s.io/y', cls: 'platform', reason: 'subdomains of k8s.io' },
    { key: 'app.kubernetes.io/name', cls: undefined, reason: "Kubernetes' recommended labels are the users' own" },
    { key: 'team', cls: undefined, reason: 'no prefix' },
    { key: 'example.com/owner', cls: undefined, reason: 'a domain of the tenant' },
    { key: 'notkubernetes.io/x', cls: undefined, reason: 'a different domain that merely ends with the same letters' },
    { key: 'kubenova.io.example.com/x', cls: undefined, reason: 'a domain under the tenant, not under kubenova.io' },
  ];
  for (const c of cases) it(`${c.key}: ${c.reason}`, () => expect(reservedClass(c.key)).toBe(c.cls));
});

describe('reservedKeyProblems', () => {
  const nodeSelector = 'scheduler.alpha.kubernetes.io/node-selector';
  const cases: {
    reason: string;
    requested: Record<string, string>;
    platformAdmin: boolean;
    current?: Record<string, string>;
    refused: string[];
  }[] = [
    { reason: 'ordinary keys are free', requested: { team: 'a', 'example.com/x': 'y' }, platformAdmin: false, refused: [] },
    {
      reason: "a tenant may not take another tenant's identity",
      requested: { 'capsule.clastix.io/tenant': 'b', 'kubenova.io/tenant': 'b' },
      platformAdmin: false,
      refused: ['capsule.clastix.io/tenant', 'kubenova.io/tenant'],
    },
    { reason: 'nor may a platform admin', requested: { 'capsule.clastix.io/tenant': 'b' }, platformAdmin: true, refused: ['capsule.clastix.io/tenant'] },
    {
      reason: 'identity keys are refused even when already stored',
      requested: { 'kubenova.io/x': 'y' },
      platformAdmin: false,
      current: { 'kubenova.io/x': 'y' },
      refused: ['kubenova.io/x'],
    },
    { reason: 'a platform admin may set scheduling keys', requested: { [nodeSelector]: 'pool=a' }, platformAdmin: true, refused: [] },
    { reason: 'a tenant may not add one', requested: { [nodeSelector]: 'pool=a' }, platformAdmin: false, refused: [nodeSelector] },
    {
      reason: 'a tenant keeps the one a platform admin set (round trip)',
      requested: { [nodeSelector]: 'pool=a', team: 'x' },
      platformAdmin: false,
      current: { [nodeSelector]: 'pool=a' },
      refused: [],
    },
    {
      reason: 'a tenant may not change it',
      requested: { [nodeSelector]: 'pool=b' },
      platformAdmin: false,
      current: { [nodeSelector]: 'pool=a' },
      refused: [nodeSelector],
    },
    { reason: 'a tenant may not remove it', requested: {}, platformAdmin: false, current: { [nodeSelector]: 'pool=a' }, refused: [nodeSelector] },
    { reason: 'a platform admin may remove it', requested: {}, platformAdmin: true, current: { [nodeSelector]: 'pool=a' }, refused: [] },
    { reason: 'a tenant may remove its own ordinary keys', requested: {}, platformAdmin: false, current: { team: 'x' }, refused: [] },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const problems = reservedKeyProblems(c.requested, { platformAdmin: c.platformAdmin, current: c.current });
      expect(problems.map((p) => p.key)).toEqual(c.refused);
    });
  }

  it('names the key and never the value', () => {
    const [problem] = reservedKeyProblems({ 'capsule.clastix.io/tenant': 'secret-value-b' }, { platformAdmin: false });
    expect(problem!.reason).toContain('capsule.clastix.io/tenant');
    expect(problem!.reason).not.toContain('secret-value-b');
  });
});

it('withoutIdentityKeys keeps everything but identity keys', () => {
  expect(
    withoutIdentityKeys({ 'capsule.clastix.io/tenant': 'b', 'kubenova.io/tenant': 'b', team: 'a', 'pod-security.kubernetes.io/enforce': 'baseline' }),
  ).toEqual({
    team: 'a',
    'pod-security.kubernetes.io/enforce': 'baseline',
  });
  expect(withoutIdentityKeys(undefined)).toEqual({});
});
