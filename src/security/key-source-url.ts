// Where KubeNova may fetch signing keys from (a JWKS URL, an OIDC issuer's discovery): https
// anywhere, plain http only on loopback (a provider on the same machine, as in tests).

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** The URL in `text`, or undefined when it does not parse. */
export function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

export function isKeySourceUrl(url: URL): boolean {
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname);
}
