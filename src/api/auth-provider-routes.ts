// `GET /api/v1/auth/providers`, public: the OIDC issuers the web console can sign people in with
// (those configured with a console client). The console runs the authorization code flow with
// PKCE in the browser, with the redirect `<server>/ui/callback`, and sends the ID token it gets
// as its bearer token. Nothing here is secret: a public client has no secret, and issuer URLs
// and client ids are what a browser sees during the login anyway.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { IssuerConfig } from '../security/identity-config.js';
import { API_PREFIX } from './resource-routes.js';
import { Strict } from '../domain/schema.js';
import { responses } from './schemas/responses.js';

/** Where the console's sign-in returns to (register it at the issuer for the console client). */
export const CONSOLE_REDIRECT_PATH = '/ui/callback';

export interface SignInProvider {
  name: string;
  issuer: string;
  clientId: string;
  scopes: string[];
}

const Providers = Strict(
  {
    providers: Type.Array(
      Strict({
        name: Type.String({ description: 'The issuer name (as role rules and whoami name it).' }),
        issuer: Type.String({ description: 'The issuer URL; discovery at <issuer>/.well-known/openid-configuration.' }),
        clientId: Type.String({ description: "The console's public client (code + PKCE, redirect /ui/callback)." }),
        scopes: Type.Array(Type.String()),
      }),
    ),
  },
  { title: 'SignInProviders' },
);

/** The issuers that have a console client. */
export function signInProviders(issuers: readonly IssuerConfig[]): SignInProvider[] {
  return issuers.flatMap((i) => (i.console ? [{ name: i.name, issuer: i.issuerUrl, clientId: i.console.clientId, scopes: [...i.console.scopes] }] : []));
}

export function registerAuthProviderRoutes(app: FastifyInstance, providers: readonly SignInProvider[]): void {
  const body = { providers };
  app.get(
    `${API_PREFIX}/auth/providers`,
    {
      schema: {
        operationId: 'listSignInProviders',
        summary: 'The identity providers the web console signs in with (no token needed)',
        description: `Issuers configured with a console client. The console runs the authorization code flow with PKCE against one, with the redirect URI <server>${CONSOLE_REDIRECT_PATH}, and calls the API with the ID token.`,
        tags: ['identity'],
        security: [],
        response: responses({ 200: Providers }, []),
      },
    },
    () => body,
  );
}
