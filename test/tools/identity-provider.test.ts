// The test identity provider itself: a real login through its form gives an ID token with the
// user's groups, a wrong password gets no code, and a group change shows at the next login.
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentityProvider, type TestIdentityProvider } from '../support/identity-provider.js';
import { LoginRefused, loginWithCode } from '../support/oidc-login.js';

const client = { clientId: 'kubenova', redirectUris: ['http://127.0.0.1:9/callback'] };
let idp: TestIdentityProvider;

beforeAll(async () => {
  idp = await startIdentityProvider({ clients: [client], users: { alice: { password: 'pw-alice', groups: ['acme-admins'] } } });
});
afterAll(() => idp.stop());

const login = (password = 'pw-alice') =>
  loginWithCode({ issuer: idp.issuer, clientId: client.clientId, redirectUri: client.redirectUris[0]!, login: 'alice', password });

describe('test identity provider', () => {
  it('signs a person in with code + PKCE through its login form, groups in the ID token', async () => {
    const { idToken } = await login();
    const claims = decodeJwt(idToken);
    expect(claims).toMatchObject({ iss: idp.issuer, aud: 'kubenova', sub: 'alice', groups: ['acme-admins'] });
  });

  it('refuses a wrong password', async () => {
    await expect(login('wrong')).rejects.toBeInstanceOf(LoginRefused);
  });

  it('shows a group change at the next login', async () => {
    idp.setUsers({ alice: { password: 'pw-alice', groups: ['platform'] } });
    expect(decodeJwt((await login()).idToken).groups).toEqual(['platform']);
  });
});
