// `clusters bootstrap <name> --kubeconfig <file>`: POST /clusters/{name}:bootstrap. The admin
// kubeconfig goes to the server for this call only (it is not stored); the table shows each
// component's status, chart version and time. Exit code 1 when a component failed.
import { readFile } from 'node:fs/promises';
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { descriptorFor, methodPath } from '../kinds.js';
import { formatData, parseOutputFormat, renderTable } from '../output.js';

const clusters = descriptorFor('Cluster');

export interface BootstrapOptions {
  kubeconfig: string;
  dryRun?: boolean;
  chartSource?: string;
  component?: string[];
  timeout?: string;
  output?: string;
}

interface ComponentRow {
  name: string;
  status: string;
  chart: string;
  version: string;
  namespace: string;
  message?: string;
  timings?: { totalMs?: number };
}

interface BootstrapResult {
  phase: string;
  dryRun: boolean;
  message: string;
  chartSource: string;
  components: ComponentRow[];
}

export async function bootstrap(ctx: CliContext, name: string, opts: BootstrapOptions): Promise<void> {
  const format = opts.output === undefined ? undefined : parseOutputFormat(opts.output);
  let kubeconfig: string;
  try {
    kubeconfig = (await readFile(opts.kubeconfig)).toString('base64');
  } catch (err) {
    throw new CliError(`cannot read kubeconfig ${opts.kubeconfig}: ${(err as Error).message}`);
  }
  const body: Record<string, unknown> = { kubeconfig, dryRun: opts.dryRun === true };
  if (opts.chartSource !== undefined) body.chartSource = opts.chartSource;
  if (opts.component !== undefined) body.components = opts.component;
  if (opts.timeout !== undefined) {
    const seconds = Number(opts.timeout.replace(/s$/, ''));
    if (!Number.isInteger(seconds)) throw new CliError('--timeout must be a number of seconds, e.g. 300 or 300s', EXIT.usage);
    body.timeoutSeconds = seconds;
  }
  if (!opts.dryRun) ctx.io.err(`bootstrapping ${name}: this waits for each rollout; progress is in status.bootstrap (kubenova get cluster ${name} -o yaml)\n`);
  const client = await ctx.client();
  const { body: result } = await client.request<BootstrapResult>('POST', methodPath(clusters, name, 'bootstrap'), { body });
  if (format === 'json' || format === 'yaml') ctx.io.out(formatData(result, format));
  else if (format === 'name') ctx.print(`cluster/${name}`);
  else ctx.io.out(formatBootstrap(result));
  if (result.phase === 'Error') throw new CliError(`bootstrap of ${name}: ${result.message}`);
}

export function formatBootstrap(r: BootstrapResult): string {
  const rows = r.components.map((c) => [
    c.name,
    c.status,
    `${c.chart}-${c.version}`,
    c.namespace,
    c.timings?.totalMs !== undefined ? `${(c.timings.totalMs / 1000).toFixed(1)}s` : '',
    c.message ?? '',
  ]);
  return `${r.dryRun ? 'Dry run (nothing changed). ' : ''}Chart source: ${r.chartSource}\n${renderTable(['COMPONENT', 'STATUS', 'CHART', 'NAMESPACE', 'TIME', 'MESSAGE'], rows)}${r.message}\n`;
}
