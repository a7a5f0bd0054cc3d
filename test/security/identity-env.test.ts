// An OIDC issuer from the KUBENOVA_OIDC_* variables: the same settings as a file's issuer, merged
// after the file's, and each mistake reported at start by the variable's name (never its value).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { loadIdentityConfig } from '../../src/security/identity-setup.js';

const PG = { KUBENOVA_DATABASE_URL: 'postgres://kubenova@127.0.0.1:5432/kubenova', KUBENOVA_KEYRING_FILE: '/etc/kubenova/keyring.json' };

describe('KUBENOVA_OIDC_* variables', () => {
  it('configure one issuer with claim mappings, required claims and a console client; enough as the only key', async () => {
    const config = loadConfig({
      ...PG,
      KUBENOVA_OIDC_ISSUER_URL: 'https://login.example.com/tenant/v2.0',
      KUBENOVA_OIDC_ISSUER_NAME: 'entra',
      KUBENOVA_OIDC_CLIENT_ID: 'kubenova, kubenova-cli',
      KUBENOVA_OIDC_USERNAME_CLAIM: 'preferred_username',
      KUBENOVA_OIDC_USERNAME_PREFIX: 'entra:',
      KUBENOVA_OIDC_GROUPS_CLAIM: 'roles',
      KUBENOVA_OIDC_GROUPS_PREFIX: 'entra:',
      KUBENOVA_OIDC_REQUIRED_CLAIMS: 'tid=1234,ver=2.0',
      KUBENOVA_OIDC_CONSOLE_CLIENT_ID: 'kubenova-console',
    });
    const identity = await loadIdentityConfig(undefined, config.auth.oidcIssuerFromEnv);
    expect(identity.issuers).toEqual([
      {
        name: 'entra',
        issuerUrl: 'https://login.example.com/tenant/v2.0',
        audiences: ['kubenova', 'kubenova-cli', 'kubenova-console'],
        username: { claim: 'preferred_username', prefix: 'entra:' },
        groups: { claim: 'roles', prefix: 'entra:' },
        requiredClaims: { tid: '1234', ver: '2.0' },
        algorithms: expect.arrayContaining(['RS256', 'ES256']),
        console: { clientId: 'kubenova-console', scopes: ['openid', 'profile', 'email'] },
      },
    ]);
  });

  it('add to the issuers of the KUBENOVA_OIDC_CONFIG file; a name both use is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubenova-oidc-env-'));
    try {
      const file = join(dir, 'identity.yaml');
      await writeFile(file, 'issuers: [{ name: corp, issuerUrl: "https://idp.corp.example", audiences: [kubenova] }]\n');
      const env = (name: string) =>
        loadConfig({
          ...PG,
          KUBENOVA_OIDC_CONFIG: file,
          KUBENOVA_OIDC_ISSUER_URL: 'https://other.example',
          KUBENOVA_OIDC_ISSUER_NAME: name,
          KUBENOVA_OIDC_CLIENT_ID: 'k',
        });
      const both = await loadIdentityConfig(file, env('other').auth.oidcIssuerFromEnv);
      expect(both.issuers.map((i) => i.name)).toEqual(['corp', 'other']);
      await expect(loadIdentityConfig(file, env('corp').auth.oidcIssuerFromEnv)).rejects.toThrow(/issuers\/1\/name repeats/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['a setting without the issuer URL', { KUBENOVA_OIDC_CLIENT_ID: 'k' }, /KUBENOVA_OIDC_CLIENT_ID is set but KUBENOVA_OIDC_ISSUER_URL is not/],
    ['the issuer URL without a client id', { KUBENOVA_OIDC_ISSUER_URL: 'https://idp.example' }, /KUBENOVA_OIDC_CLIENT_ID is required/],
    [
      'a plain-http issuer off loopback',
      { KUBENOVA_OIDC_ISSUER_URL: 'http://idp.example', KUBENOVA_OIDC_CLIENT_ID: 'k' },
      /KUBENOVA_OIDC_ISSUER_URL is invalid: .*https:\/\//,
    ],
    [
      'a name that is not a DNS label',
      { KUBENOVA_OIDC_ISSUER_URL: 'https://idp.example', KUBENOVA_OIDC_CLIENT_ID: 'k', KUBENOVA_OIDC_ISSUER_NAME: 'Corp IdP' },
      /^KUBENOVA_OIDC_ISSUER_NAME is invalid/,
    ],
    [
      'required claims that are not pairs',
      { KUBENOVA_OIDC_ISSUER_URL: 'https://idp.example', KUBENOVA_OIDC_CLIENT_ID: 'k', KUBENOVA_OIDC_REQUIRED_CLAIMS: 'hd' },
      /KUBENOVA_OIDC_REQUIRED_CLAIMS must be claim=value pairs/,
    ],
  ])('refuse %s at start, naming the variable', (_why, env, message) => {
    let error: unknown;
    try {
      loadConfig({ ...PG, ...env });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('Corp IdP');
  });
});
