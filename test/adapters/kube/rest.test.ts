// KubeRest against requests Node refuses to start: the call fails at once with a KubeError and
// leaves nothing armed behind it (a timer that fired on the never-created request used to crash
// the process about 10 s after the API had answered).
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeRest } from '../../../src/adapters/kube/rest.js';
import { KubeError } from '../../../src/adapters/kube/types.js';

function restFor(server: string, token: string): Promise<KubeRest> {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return KubeRest.fromKubeConfig(kc, { timeoutMs: 50 });
}

describe('KubeRest: requests Node will not send', () => {
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);
  process.on('uncaughtException', onUncaught);
  afterEach(() => {
    expect(uncaught).toEqual([]);
  });

  const cases = [
    {
      reason: 'a token with a newline (an invalid header value)',
      server: 'https://127.0.0.1:1',
      token: 'a\nb',
      says: 'characters not allowed in HTTP headers',
    },
    { reason: 'a server with an unsupported protocol', server: 'ftp://127.0.0.1:21', token: 't', says: 'protocol other than https' },
  ];
  it.each(cases)('$reason: a KubeError now, and nothing fires after the deadline', async ({ server, token, says }) => {
    const rest = await restFor(server, token);
    const err = await rest.request({ method: 'GET', path: '/version' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeError);
    expect((err as Error).message).toContain(says);
    expect((err as Error).message).not.toContain('a\nb');
    // Past the 50 ms deadline: the timer must not have been armed for a request that never existed.
    await new Promise((r) => setTimeout(r, 200));
    rest.close();
  });
});
