// How the bootstrap panel words a component's line: what was installed before (and whether the
// values differ), and the badge of each status.
import { describe, expect, it } from 'vitest';
import { installedNow, statusTone, type ComponentLine } from '../../console/src/bootstrap-report.js';

const line = (extra: Partial<ComponentLine>): ComponentLine => ({ name: 'capsule', chart: 'capsule', version: '0.14.0', status: 'WouldUpgrade', ...extra });

describe('bootstrap report lines', () => {
  it('name the installed release, and whether its values are the planned ones', () => {
    const previous = { chart: 'capsule-0.13.0', revision: '2', status: 'deployed', valuesDigest: 'aaa' };
    expect(installedNow(line({}))).toBe('—');
    expect(installedNow(line({ previous, valuesDigest: 'aaa' }))).toBe('capsule-0.13.0 (revision 2, deployed; same values)');
    expect(installedNow(line({ previous, valuesDigest: 'bbb' }))).toBe('capsule-0.13.0 (revision 2, deployed; values differ)');
    // No digest to compare (an older status): nothing said about values.
    expect(installedNow(line({ previous: { ...previous, valuesDigest: undefined }, valuesDigest: 'bbb' }))).toBe('capsule-0.13.0 (revision 2, deployed)');
  });

  it('mark what would change or failed apart from what stays', () => {
    expect(statusTone('Unchanged')).toBe('deployed');
    expect(statusTone('WouldInstall')).toBe('applying');
    expect(statusTone('WouldUpgrade')).toBe('drifted');
    expect(statusTone('Error')).toBe('error');
    expect(statusTone('SomethingNew')).toBe('pending');
  });
});
