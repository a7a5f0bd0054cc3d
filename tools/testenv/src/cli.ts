// npm run testenv -- up [--id ID] [--keep-on-failure] | down <id|dir>|--all | list
import { Command } from 'commander';
import { down, downAll, list, up } from './cluster.js';

const log = (line: string) => process.stderr.write(`${line}\n`);

const program = new Command('testenv').description('Real local Kubernetes clusters (etcd, kube-apiserver, kwok, Capsule, KubeVela) for tests');

program
  .command('up')
  .description('start a new cluster on free loopback ports; prints its cluster.json')
  .option('--id <id>', 'cluster id (default: random kn-xxxxxx)')
  .option('--keep-on-failure', 'keep the cluster dir (logs, certs) when up fails')
  .action(async (opts: { id?: string; keepOnFailure?: boolean }) => {
    // The components run in their own process groups, so Ctrl-C reaches only us (often twice:
    // from the terminal and relayed by tsx). Abort `up`, which then tears down what it started.
    const interrupt = new AbortController();
    const onSignal = () => {
      if (!interrupt.signal.aborted) log('interrupted: tearing down');
      interrupt.abort();
    };
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
    const info = await up({ id: opts.id, keepOnFailure: opts.keepOnFailure, log, signal: interrupt.signal });
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
    log(`\nexport KUBECONFIG=${info.kubeconfig}   # or KUBENOVA_TEST_CLUSTER=${info.id} to reuse it in tests`);
  });

program
  .command('down')
  .description('stop a cluster and remove its dir')
  .argument('[id]', 'cluster id or dir')
  .option('--all', 'every cluster under the state root')
  .action(async (id: string | undefined, opts: { all?: boolean }) => {
    if (opts.all) {
      const dirs = await downAll();
      log(dirs.length ? `removed ${dirs.join(', ')}` : 'no clusters');
    } else if (id) {
      await down(id);
      log(`removed ${id}`);
    } else {
      throw new Error('down needs a cluster id or --all');
    }
  });

program
  .command('list')
  .description('clusters under the state root')
  .action(async () => {
    const clusters = await list();
    if (clusters.length === 0) log('no clusters');
    for (const c of clusters) {
      const detail = c.info ? `${c.info.apiServerUrl}  ${c.info.kubeconfig}` : c.dir;
      process.stdout.write(`${c.id}\t${c.state}\t${c.rssMiB} MiB\t${detail}\n`);
    }
  });

program.parseAsync().catch((err: unknown) => {
  log(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
