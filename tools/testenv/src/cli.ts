// npm run testenv -- up [--id ID] [--without capsule,kubevela] [--keep-on-failure]
//                   | down <id|dir>... | down --stale | down --all
//                   | stop <id> <component> | start <id> <component> | list
import { Command } from 'commander';
import { parseAddonNames } from './addons.js';
import { down, downAll, downStale, list, up } from './cluster.js';
import { startComponent, stopComponent } from './lifecycle.js';
import { COMPONENT_NAMES } from './readiness.js';

const log = (line: string) => process.stderr.write(`${line}\n`);

const program = new Command('testenv').description('Real local Kubernetes clusters (etcd, kube-apiserver, kwok, Capsule, KubeVela) for tests');

program
  .command('up')
  .description('start a new cluster on free loopback ports; prints its cluster.json')
  .option('--id <id>', 'cluster id (default: random kn-xxxxxx)')
  .option('--without <components>', 'leave out capsule and/or kubevela (comma-separated): no CRDs, process or webhooks', parseAddonNames)
  .option('--keep-on-failure', 'keep the cluster dir (logs, certs) when up fails')
  .action(async (opts: { id?: string; without?: ReturnType<typeof parseAddonNames>; keepOnFailure?: boolean }) => {
    // The components run in their own process groups, so Ctrl-C reaches only us (often twice:
    // from the terminal and relayed by tsx). Abort `up`, which then tears down what it started.
    const interrupt = new AbortController();
    const onSignal = () => {
      if (!interrupt.signal.aborted) log('interrupted: tearing down');
      interrupt.abort();
    };
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
    const info = await up({ id: opts.id, without: opts.without, keepOnFailure: opts.keepOnFailure, log, signal: interrupt.signal });
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
    log(`\nexport KUBECONFIG=${info.kubeconfig}   # or KUBENOVA_TEST_CLUSTER=${info.id} to reuse it in tests`);
  });

program
  .command('down')
  .description('stop clusters and remove their dirs')
  .argument('[ids...]', 'cluster ids or dirs')
  .option('--stale', 'only clusters nobody can be using: owner test run gone, no process left, or up died')
  .option('--all', "every cluster under the state root, including other sessions' (prints their ids)")
  .action(async (ids: string[], opts: { stale?: boolean; all?: boolean }) => {
    if ([ids.length > 0, opts.stale, opts.all].filter(Boolean).length !== 1) throw new Error('down needs cluster ids, --stale or --all');
    if (opts.all) {
      const stopped = await downAll((id) => log(`stopping ${id}`));
      log(stopped.length ? `removed ${stopped.join(', ')}` : 'no clusters');
    } else if (opts.stale) {
      const stopped = await downStale((id, reason) => log(`stopping ${id}: ${reason}`));
      log(stopped.length ? `removed ${stopped.join(', ')}` : 'no stale clusters');
    } else {
      for (const id of ids) {
        await down(id);
        log(`removed ${id}`);
      }
    }
  });

const componentHelp = `one of ${COMPONENT_NAMES.join(', ')} (or apiserver, controller-manager, scheduler, kubevela)`;

program
  .command('stop')
  .description('stop one component of a cluster; the rest keeps running')
  .argument('<id>', 'cluster id or dir')
  .argument('<component>', componentHelp)
  .action(async (id: string, component: string) => {
    await stopComponent(id, component, { log });
  });

program
  .command('start')
  .description('start a stopped component again (same ports, certificates and data) and wait until it is ready')
  .argument('<id>', 'cluster id or dir')
  .argument('<component>', componentHelp)
  .action(async (id: string, component: string) => {
    await startComponent(id, component, { log });
  });

program
  .command('list')
  .description('clusters under the state root')
  .action(async () => {
    const clusters = await list();
    if (clusters.length === 0) log('no clusters');
    for (const c of clusters) {
      const detail = c.info ? `${c.info.apiServerUrl}  ${c.info.kubeconfig}` : c.dir;
      const notRunning = c.notRunning.length && c.state !== 'stopped' ? ` (not running: ${c.notRunning.join(', ')})` : '';
      process.stdout.write(`${c.id}\t${c.state}${notRunning}\t${c.rssMiB} MiB\t${detail}\n`);
    }
  });

program.parseAsync().catch((err: unknown) => {
  log(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
