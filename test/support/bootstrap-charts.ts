// Local chart directories for bootstrap tests, laid out as an air-gapped user would
// (`<dir>/<chart>/`), made from the charts shipped in the pinned Go modules that the testenv
// build copies next to its binaries (tools/testenv/build.sh: <cache>/charts/{capsule,vela-core}).
// Module charts are unreleased sources: their Chart.yaml carries a placeholder version (the
// release workflow stamps the real one) and capsule's optional capsule-proxy dependency is not
// vendored, so the copies get the release's version and lose that dependency (disabled by
// default, `proxy.enabled=false`), as in the published chart. capsule-proxy's chart does not
// exist here at all (its module is refused by the Go proxy).
import { cp, readFile, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { ClusterInfo } from './cluster.js';

export function moduleChartsDir(info: ClusterInfo): string {
  return join(info.binDir, '..', 'charts');
}

/** Copies `chart` from the module charts into `dir` as version `version`. */
export async function releasedChart(info: ClusterInfo, chart: 'capsule' | 'vela-core', dir: string, version: string): Promise<string> {
  const target = join(dir, chart);
  await rm(target, { recursive: true, force: true });
  await cp(join(moduleChartsDir(info), chart), target, { recursive: true });
  const file = join(target, 'Chart.yaml');
  const meta = parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  delete meta.dependencies;
  meta.version = version;
  meta.appVersion = `v${version}`;
  await writeFile(file, stringify(meta));
  await rm(join(target, 'Chart.lock'), { force: true });
  return target;
}

/** A chart whose template cannot render: Helm fails before touching the cluster. */
export async function breakChart(chartDir: string): Promise<void> {
  await writeFile(join(chartDir, 'templates', 'broken.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.doesNotExist.name }}\n');
}
