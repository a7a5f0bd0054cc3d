// A failed `up` leaves nothing behind (no process, no dir), and never touches a cluster that
// already has the id it was asked for.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VersionApi } from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import { up } from '../../tools/testenv/src/cluster.js';
import { newClusterId, stateRoot } from '../../tools/testenv/src/state.js';
import { adminKubeConfig } from '../support/cluster.js';

const shared = inject('cluster');

/** Every live process whose command line mentions `dir/` (helm, etcd, controllers, ...). */
async function processesMentioning(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const state = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const zombie = /\) [ZX] /.test(state);
    if (!zombie && cmdline.includes(`${dir}/`)) found.push(`${entry}: ${cmdline.replaceAll('\0', ' ').slice(0, 120)}`);
  }
  return found;
}

describe('a failed up', () => {
  it('interrupted half way, stops what it started and removes its dir', { timeout: 180_000 }, async () => {
    const id = newClusterId(`vt-${process.pid}`);
    const dir = join(stateRoot(), id);
    const interrupt = new AbortController();
    const lines: string[] = [];
    const log = (line: string) => {
      lines.push(line);
      // etcd and the API server run, helm may still be rendering the charts.
      if (line.includes('kube-apiserver ready')) interrupt.abort();
    };
    await expect(up({ id, log, signal: interrupt.signal, ownerPid: process.pid })).rejects.toThrow(/interrupted/);
    expect(lines.some((line) => line.includes('kube-apiserver ready'))).toBe(true);
    expect(await processesMentioning(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });

  // (Only when the shared cluster lives under the state root, where `up` would claim its id.)
  it.skipIf(shared.dir !== join(stateRoot(), shared.id))('with the id of a running cluster, fails at once and leaves that cluster alone', async () => {
    await expect(up({ id: shared.id })).rejects.toThrow(/exists/);
    expect(existsSync(join(shared.dir, 'cluster.json'))).toBe(true);
    await expect(adminKubeConfig(shared).makeApiClient(VersionApi).getCode()).resolves.toMatchObject({ major: '1' });
  });
});
