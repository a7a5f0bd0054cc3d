import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { formatRollout } from '../../src/cli/commands/apps.js';
import { kubeconfigText } from '../../src/cli/commands/access.js';

describe('kubeconfigText', () => {
  const yaml = 'apiVersion: v1\nkind: Config\nclusters: []\n';
  it('accepts YAML text, base64 of it, or an object', () => {
    expect(kubeconfigText(yaml)).toBe(yaml);
    expect(kubeconfigText(Buffer.from(yaml).toString('base64'))).toBe(yaml);
    expect(YAML.parse(kubeconfigText({ apiVersion: 'v1', kind: 'Config' }))).toEqual({ apiVersion: 'v1', kind: 'Config' });
  });
  it('refuses a missing or unreadable kubeconfig', () => {
    expect(() => kubeconfigText(undefined)).toThrow(/no kubeconfig/);
    expect(() => kubeconfigText('@@@')).toThrow(/unknown encoding/);
  });
});

describe('formatRollout', () => {
  it('summarises scalars and marks the current revision', () => {
    const now = new Date('2026-01-01T00:10:00Z');
    const out = formatRollout(
      'web',
      {
        name: 'web',
        phase: 'Deployed',
        currentRevision: 'web-v2',
        revisions: [
          { revision: 'web-v2', phase: 'Deployed', createdAt: '2026-01-01T00:05:00Z' },
          { revision: 'web-v1', phase: 'Superseded', createdAt: '2026-01-01T00:00:00Z' },
        ],
      },
      now,
    );
    expect(out).toContain('App: web\nPhase: Deployed\nCurrentRevision: web-v2\n');
    expect(out).toMatch(/\* web-v2\s+Deployed\s+<none>\s+5m/);
    expect(out).toMatch(/ {2}web-v1\s+Superseded\s+<none>\s+10m/);
  });
});
