// Two clusters at once: a second, independent cluster next to the shared one, then torn down
// without leaving processes behind.
import { CoreV1Api, VersionApi } from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import { isAlive } from '../../tools/testenv/src/processes.js';
import { adminKubeConfig, startExtraCluster } from '../support/cluster.js';

const shared = inject('cluster');

describe('a second test cluster', () => {
  it('runs independently of the shared one and leaves nothing behind', { timeout: 300_000 }, async () => {
    const extra = await startExtraCluster();
    try {
      expect(extra.info.apiServerUrl).not.toBe(shared.apiServerUrl);
      const [one, two] = [adminKubeConfig(shared), adminKubeConfig(extra.info)];
      const [v1, v2] = await Promise.all([one.makeApiClient(VersionApi).getCode(), two.makeApiClient(VersionApi).getCode()]);
      expect(v2.gitVersion).toBe(v1.gitVersion);

      const name = `only-in-${extra.info.id}`;
      await two.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
      await expect(two.makeApiClient(CoreV1Api).readNamespace({ name })).resolves.toBeTruthy();
      await expect(one.makeApiClient(CoreV1Api).readNamespace({ name })).rejects.toMatchObject({ code: 404 });
    } finally {
      await extra.stop();
    }
    const survivors = await Promise.all(Object.values(extra.info.pids).map((pid) => isAlive(pid)));
    expect(survivors.some(Boolean)).toBe(false);
  });
});
