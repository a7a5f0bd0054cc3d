// The real Helm, run as a child process (KUBENOVA_HELM, default `helm` on PATH): KubeNova never
// renders charts itself. Each session gets a private 0700 directory holding the admin kubeconfig
// (0600; Helm reads credentials only from a file) and Helm's own config, cache and data homes, so
// nothing from the server's $HOME leaks in and nothing stays behind: `close()` removes it all.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class HelmError extends Error {
  override readonly name = 'HelmError';
}

export interface HelmRelease {
  name: string;
  namespace: string;
  revision: string;
  status: string;
  /** `<chart>-<version>`, as `helm list` shows it. */
  chart: string;
  app_version: string;
}

export interface UpgradeOptions {
  release: string;
  namespace: string;
  /** Chart reference and its flags: `<dir>` or `<chart> --repo <url> --version <v>`. */
  chartArgs: string[];
  values: Record<string, unknown>;
  /** Helm's `--wait` bound (rollout of every Deployment, hooks included). */
  timeoutSeconds: number;
  signal?: AbortSignal;
}

export class HelmSession {
  private constructor(
    private readonly helm: string,
    private readonly dir: string,
    private readonly kubeconfig: string,
  ) {}

  /** A session for one cluster, with the given kubeconfig written privately. */
  static async open(helm: string, kubeconfig: Buffer): Promise<HelmSession> {
    const dir = await mkdtemp(join(tmpdir(), 'kubenova-helm-'));
    const file = join(dir, 'kubeconfig');
    await writeFile(file, kubeconfig, { mode: 0o600 });
    return new HelmSession(helm, dir, file);
  }

  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  /** The release, or undefined when there is none (any status counts, failed ones too). */
  async release(name: string, namespace: string, signal?: AbortSignal): Promise<HelmRelease | undefined> {
    const out = await this.run(['list', '--namespace', namespace, '--all', '--filter', `^${name}$`, '--output', 'json'], signal);
    const list = JSON.parse(out || '[]') as HelmRelease[];
    return list.find((r) => r.name === name);
  }

  /** The values the release was installed with (`helm get values`, user-supplied only). */
  async values(name: string, namespace: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const out = await this.run(['get', 'values', name, '--namespace', namespace, '--output', 'json'], signal);
    return (JSON.parse(out || 'null') as Record<string, unknown> | null) ?? {};
  }

  async upgradeInstall(opts: UpgradeOptions): Promise<void> {
    const valuesFile = join(this.dir, `${opts.release}-values.json`);
    await writeFile(valuesFile, JSON.stringify(opts.values), { mode: 0o600 });
    await this.run(
      [
        'upgrade',
        '--install',
        opts.release,
        ...opts.chartArgs,
        '--namespace',
        opts.namespace,
        '--create-namespace',
        '--values',
        valuesFile,
        '--wait',
        '--timeout',
        `${opts.timeoutSeconds}s`,
        '--history-max',
        '10',
      ],
      opts.signal,
    );
  }

  private run(args: string[], signal?: AbortSignal): Promise<string> {
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: this.dir,
      KUBECONFIG: this.kubeconfig,
      HELM_CACHE_HOME: join(this.dir, 'cache'),
      HELM_CONFIG_HOME: join(this.dir, 'config'),
      HELM_DATA_HOME: join(this.dir, 'data'),
      ...(process.env.HTTPS_PROXY && { HTTPS_PROXY: process.env.HTTPS_PROXY }),
      ...(process.env.NO_PROXY && { NO_PROXY: process.env.NO_PROXY }),
    };
    return new Promise((resolve, reject) => {
      execFile(this.helm, [...args, '--kubeconfig', this.kubeconfig], { env, signal, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          return reject(new HelmError(`helm not found at "${this.helm}": install Helm 3 or set KUBENOVA_HELM to its path`));
        }
        reject(new HelmError(helmMessage(stderr || err.message, this.dir)));
      });
    });
  }
}

/** Helm's error text, made short and free of the private directory's path. */
function helmMessage(stderr: string, dir: string): string {
  const text = stderr.split(dir).join('<session>').trim();
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  // Helm prints warnings first, then `Error: ...` with its causes on the following lines.
  const first = lines.findIndex((l) => l.startsWith('Error:'));
  const message = (first >= 0 ? lines.slice(first) : lines.slice(-3)).join(' ');
  return message.length > 2000 ? `${message.slice(0, 2000)}…` : message;
}
