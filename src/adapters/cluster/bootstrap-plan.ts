// What bootstrapping a cluster installs (the seed's runbook as data): the three Helm releases,
// their pinned chart versions, where their charts come from, and the seed's settings as chart
// values. Pure: no I/O; adapters/cluster/bootstrap.ts runs Helm with it.
//
// The seed's settings, mapped onto the values the pinned charts really read:
// - Capsule leader election: `manager.options.leaderElection.enabled` (capsule chart 0.14; the
//   runbook's `manager.leaderElection` is an older key).
// - The runbook's capsule-proxy `options.allowedUserGroups={tenant-admins,tenant-maintainers}`
//   exists in no capsule-proxy chart (Helm would ignore it silently). What it means is that those
//   groups are Capsule users, which Capsule reads from its CapsuleConfiguration `spec.users`, set
//   by the capsule chart's `manager.options.users`; bootstrap checks them there after the install.
// - KubeNova's agent ServiceAccount is a Capsule administrator (`manager.options.administrators`),
//   so the namespaces it creates with a tenant label are adopted (adapters/capsule/administrators.ts).
// - Capsule's webhook certificate without cert-manager: Capsule creates and injects it itself
//   (`certManager.generateCertificates=false`, `tls.enableController=true`).
// - vela-core admission webhooks on: `admissionWebhooks.enabled=true`.
import { canonicalJson } from '../../domain/canonical-json.js';
import { createHash } from 'node:crypto';
import { AGENT } from './agent-identity.js';

export const BOOTSTRAP_COMPONENTS = ['capsule', 'capsule-proxy', 'vela-core'] as const;
export type BootstrapComponent = (typeof BOOTSTRAP_COMPONENTS)[number];

/** Groups whose members Capsule treats as tenant users (the seed's allowed groups), besides the
 *  capsule chart's default `projectcapsule.dev`. */
export const CAPSULE_USER_GROUPS = ['projectcapsule.dev', 'tenant-admins', 'tenant-maintainers'] as const;

export type Values = Record<string, unknown>;

export interface ComponentDefinition {
  name: BootstrapComponent;
  chart: string;
  /** Pinned chart version (tools/testenv/versions.env pins the same releases). */
  version: string;
  /** The public Helm repository the chart is published in. */
  repository: string;
  release: string;
  namespace: string;
  values: Values;
}

export const COMPONENTS: readonly ComponentDefinition[] = [
  {
    name: 'capsule',
    chart: 'capsule',
    version: '0.14.0',
    repository: 'https://projectcapsule.github.io/charts',
    release: 'capsule',
    namespace: 'capsule-system',
    values: {
      manager: {
        options: {
          leaderElection: { enabled: true },
          users: CAPSULE_USER_GROUPS.map((name) => ({ kind: 'Group', name })),
          administrators: [{ kind: 'ServiceAccount', name: AGENT.username }],
        },
      },
      certManager: { generateCertificates: false },
      tls: { enableController: true },
    },
  },
  {
    name: 'capsule-proxy',
    chart: 'capsule-proxy',
    version: '0.14.0',
    repository: 'https://projectcapsule.github.io/charts',
    release: 'capsule-proxy',
    namespace: 'capsule-system',
    values: { service: { enabled: true } },
  },
  {
    name: 'vela-core',
    chart: 'vela-core',
    version: '1.10.9',
    repository: 'https://kubevela.github.io/charts',
    release: 'vela-core',
    namespace: 'vela-system',
    values: { admissionWebhooks: { enabled: true } },
  },
];

/** Where charts come from: the public repositories (default), an OCI registry path holding
 *  every chart (`oci://registry/path` → `oci://registry/path/<chart>`), or a directory on the
 *  KubeNova server holding `<chart>/` (unpacked) or `<chart>-<version>.tgz` (air-gapped). */
export type ChartSource = { type: 'repository' } | { type: 'oci'; url: string } | { type: 'directory'; path: string };

export const OCI_PATTERN = '^oci://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[a-z0-9._-]+)*$';

/** A `chartSource` string as given by a request or the server default; undefined or `repository`
 *  means the public repositories. */
export function parseChartSource(text: string | undefined): ChartSource | { problem: string } {
  if (text === undefined || text === '' || text === 'repository') return { type: 'repository' };
  if (text.startsWith('oci://')) {
    const url = text.replace(/\/+$/, '');
    return new RegExp(OCI_PATTERN).test(url) ? { type: 'oci', url } : { problem: 'must be oci://<registry>[/<path>]' };
  }
  if (text.startsWith('/')) {
    if (text.split('/').includes('..')) return { problem: 'a directory chart source must be an absolute path without ".."' };
    return { type: 'directory', path: text.replace(/(.)\/+$/, '$1') };
  }
  return { problem: 'must be "repository", an oci:// reference or an absolute directory path' };
}

export function describeSource(source: ChartSource): string {
  switch (source.type) {
    case 'repository':
      return 'public chart repositories';
    case 'oci':
      return source.url;
    case 'directory':
      return `directory ${source.path}`;
  }
}

/** Deep merge for values: objects merge key by key, anything else (lists too) is replaced, as
 *  Helm merges `--values` files. */
export function mergeValues(base: Values, override: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(override)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? mergeValues(b, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Values {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What decides "unchanged": the release's chart (name-version) and this digest of the values
 *  Helm keeps as user-supplied for it (`helm get values`). */
export function valuesDigest(values: Values): string {
  return `sha256:${createHash('sha256').update(canonicalJson(values)).digest('hex').slice(0, 16)}`;
}

export interface ComponentPlan extends ComponentDefinition {
  /** The values given to Helm: the seed's, then the request's overrides. */
  values: Values;
  valuesDigest: string;
}

/** The releases to install, in order (Capsule before capsule-proxy, which needs its CRDs). */
export function planComponents(only: readonly BootstrapComponent[] | undefined, overrides: Partial<Record<BootstrapComponent, Values>> = {}): ComponentPlan[] {
  return COMPONENTS.filter((c) => !only || only.includes(c.name)).map((c) => {
    const values = mergeValues(c.values, overrides[c.name] ?? {});
    return { ...c, values, valuesDigest: valuesDigest(values) };
  });
}

/** The chart reference Helm is given for a repository or OCI source (a directory source is
 *  looked up on disk by the caller). */
export function remoteChartArgs(c: ComponentDefinition, source: Exclude<ChartSource, { type: 'directory' }>): string[] {
  return source.type === 'oci' ? [`${source.url}/${c.chart}`, '--version', c.version] : [c.chart, '--repo', c.repository, '--version', c.version];
}
