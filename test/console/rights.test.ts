// What the console shows a role: the server's own role table read through whoami's rights, so a
// button is shown exactly when the API would allow the call.
import { describe, expect, it } from 'vitest';
import { rightsOf } from '../../console/src/rights.js';

describe('console rights', () => {
  it('a tenant admin writes in its tenant only', () => {
    const r = rightsOf({ subject: 'ann', rights: [{ role: 'tenant-admin', tenant: 'acme' }] });
    expect(r.can('Project', 'create', 'acme')).toBe(true);
    expect(r.can('KubeconfigGrant', 'delete', 'acme')).toBe(true);
    expect(r.can('Project', 'create', 'globex')).toBe(false);
    expect(r.can('Tenant', 'create')).toBe(false);
    expect(r.platform).toBe(false);
  });

  it('a tenant dev changes apps but not projects, and revokes no grant', () => {
    const r = rightsOf({ subject: 'dev', rights: [{ role: 'tenant-dev', tenant: 'acme' }] });
    expect(r.can('App', 'rollback', 'acme')).toBe(true);
    expect(r.can('Project', 'create', 'acme')).toBe(false);
    expect(r.can('KubeconfigGrant', 'delete', 'acme')).toBe(false);
  });

  it('read-only of a tenant reads it and writes nothing; read-only of none is a platform reader', () => {
    const tenantReader = rightsOf({ subject: 'r', rights: [{ role: 'read-only', tenant: 'acme' }] });
    for (const [kind, verb] of [
      ['App', 'update'],
      ['App', 'rollback'],
      ['App', 'control-workflow'],
      ['Project', 'create'],
      ['Tenant', 'issue-kubeconfig'],
    ] as const) {
      expect(tenantReader.can(kind, verb, 'acme'), `${kind} ${verb}`).toBe(false);
    }
    expect(tenantReader.can('App', 'get', 'acme')).toBe(true);
    const platformReader = rightsOf({ subject: 'p', rights: [{ role: 'read-only' }] });
    expect(platformReader.platform).toBe(true);
    expect(platformReader.platformAdmin).toBe(false);
    expect(platformReader.can('Cluster', 'list')).toBe(true);
    expect(platformReader.can('Cluster', 'create')).toBe(false);
  });

  it('rights in two tenants stay apart; unknown roles give nothing', () => {
    const r = rightsOf({ subject: 'x', rights: [{ role: 'tenant-admin', tenant: 'a' }, { role: 'read-only', tenant: 'b' }, { role: 'owner' }] });
    expect(r.can('App', 'create', 'a')).toBe(true);
    expect(r.can('App', 'create', 'b')).toBe(false);
    expect(r.can('App', 'get', 'b')).toBe(true);
  });

  it('a platform admin may do everything everywhere', () => {
    const r = rightsOf({ subject: 'admin', rights: [{ role: 'platform-admin' }] });
    expect(r.platformAdmin).toBe(true);
    expect(r.can('Tenant', 'create')).toBe(true);
    expect(r.can('App', 'control-workflow', 'any')).toBe(true);
  });
});
