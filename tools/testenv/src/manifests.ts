import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments, stringify } from 'yaml';

const run = promisify(execFile);

/** A parsed Kubernetes manifest (only the fields the test environment looks at are typed). */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface RenderOptions {
  helm: string;
  chartDir: string;
  release: string;
  namespace: string;
  values: Record<string, unknown>;
  includeCrds?: boolean;
  /** Scratch dir for the values file, helm's caches and a copy of the rendered output. */
  workDir: string;
  /**
   * Drop the chart's subchart dependencies before rendering. helm refuses to render a chart whose
   * dependencies are not vendored, even disabled ones (Capsule's optional capsule-proxy).
   */
  withoutDependencies?: boolean;
  /** `# Source:` paths of documents allowed to be invalid YAML 1.2 (they are left out). */
  tolerateInvalid?: readonly string[];
}

async function copyWithoutDependencies(chartDir: string, workDir: string): Promise<string> {
  const copy = join(workDir, basename(chartDir));
  await rm(copy, { recursive: true, force: true });
  await cp(chartDir, copy, { recursive: true });
  const chartFile = join(copy, 'Chart.yaml');
  const chart = parse(await readFile(chartFile, 'utf8')) as Record<string, unknown>;
  delete chart.dependencies;
  await writeFile(chartFile, stringify(chart));
  await rm(join(copy, 'Chart.lock'), { force: true });
  return copy;
}

/** Renders a local chart with `helm template` and returns its documents. */
export async function renderChart(opts: RenderOptions): Promise<Manifest[]> {
  await mkdir(opts.workDir, { recursive: true });
  const valuesFile = join(opts.workDir, `${opts.release}-values.json`);
  await writeFile(valuesFile, JSON.stringify(opts.values, null, 2));
  const chartDir = opts.withoutDependencies ? await copyWithoutDependencies(opts.chartDir, opts.workDir) : opts.chartDir;
  const args = ['template', opts.release, chartDir, '--namespace', opts.namespace, '--values', valuesFile, ...(opts.includeCrds ? ['--include-crds'] : [])];
  // Keep helm's config and caches out of $HOME: rendering a local chart needs none of them.
  const helmHome = join(opts.workDir, '.helm');
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HELM_CACHE_HOME: join(helmHome, 'cache'),
    HELM_CONFIG_HOME: join(helmHome, 'config'),
    HELM_DATA_HOME: join(helmHome, 'data'),
  };
  let stdout: string;
  try {
    ({ stdout } = await run(opts.helm, args, { env, maxBuffer: 64 * 1024 * 1024 }));
  } catch (err) {
    throw new Error(`helm template ${opts.chartDir} failed: ${(err as { stderr?: string }).stderr ?? String(err)}`);
  }
  await writeFile(join(opts.workDir, `${opts.release}-rendered.yaml`), stdout);
  const { manifests, invalid } = parseManifests(stdout);
  const unexpected = invalid.filter((doc) => !opts.tolerateInvalid?.includes(doc.source));
  if (unexpected.length > 0) {
    throw new Error(`invalid YAML rendered from ${unexpected.map((d) => `${d.source}: ${d.error}`).join('; ')}`);
  }
  return manifests;
}

/** A rendered document YAML 1.2 rejects, by its helm `# Source:` template path. */
export interface InvalidDocument {
  source: string;
  error: string;
}

/**
 * Parses multi-document YAML. helm templates are only ever parsed by Go's lenient YAML, so a
 * chart can contain a document a strict YAML 1.2 parser refuses; those are returned apart.
 */
export function parseManifests(text: string): { manifests: Manifest[]; invalid: InvalidDocument[] } {
  const manifests: Manifest[] = [];
  const invalid: InvalidDocument[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      const source = /^# Source: (.+)$/m.exec(text.slice(doc.range[0], doc.range[2]))?.[1] ?? '(unknown template)';
      invalid.push({ source, error: doc.errors[0]?.message.split('\n')[0] ?? 'parse error' });
      continue;
    }
    const value: unknown = doc.toJS();
    if (isManifest(value)) manifests.push(value);
  }
  return { manifests, invalid };
}

function isManifest(value: unknown): value is Manifest {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<Manifest>;
  return typeof v.kind === 'string' && typeof v.apiVersion === 'string' && typeof v.metadata?.name === 'string';
}

export function ofKind(manifests: readonly Manifest[], ...kinds: string[]): Manifest[] {
  return manifests.filter((m) => kinds.includes(m.kind));
}

interface WebhookClientConfig {
  caBundle?: string;
  url?: string;
  service?: { name: string; namespace: string; path?: string; port?: number };
}

interface WebhookEntry {
  name: string;
  clientConfig: WebhookClientConfig;
}

/**
 * Points every webhook of a Mutating/ValidatingWebhookConfiguration at a process listening on
 * loopback instead of an in-cluster Service: `url: <baseUrl><service.path>` plus `caBundle`.
 */
export function webhooksToUrl(config: Manifest, baseUrl: string, caBundle: string): Manifest {
  const webhooks = (config.webhooks ?? []) as WebhookEntry[];
  return {
    ...config,
    webhooks: webhooks.map((hook) => {
      const path = hook.clientConfig.service?.path ?? '';
      return { ...hook, clientConfig: { url: `${baseUrl}${path}`, caBundle } };
    }),
  };
}
