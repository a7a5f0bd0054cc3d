// A bootstrap report (the answer of `POST /clusters/{name}:bootstrap`, or `status.bootstrap`) as the
// bootstrap panel shows it; no DOM here.

export interface ComponentLine {
  name: string;
  chart: string;
  version: string;
  source?: string;
  release?: string;
  namespace?: string;
  status: string;
  message?: string;
  /** In a request's answer only (the Cluster's status keeps the digest). */
  values?: Record<string, unknown>;
  valuesDigest?: string;
  previous?: { chart: string; revision: string; status: string; valuesDigest?: string };
  timings?: { totalMs: number };
}

export interface Report {
  dryRun: boolean;
  phase: string;
  changed: boolean;
  message: string;
  chartSource: string;
  startedAt: string;
  finishedAt?: string;
  components: ComponentLine[];
}

/** Badge colours: what would change or failed stands out, what stays as it is does not. */
const STATUS_TONE: Record<string, string> = {
  Unchanged: 'deployed',
  Installed: 'deployed',
  Upgraded: 'deployed',
  WouldInstall: 'applying',
  WouldUpgrade: 'drifted',
  Installing: 'applying',
  Pending: 'pending',
  Error: 'error',
};

/** What was installed before the run (now, for a plan), and whether its values differ from the run's. */
export function installedNow(c: ComponentLine): string {
  if (!c.previous) return '—';
  const { chart, revision, status, valuesDigest } = c.previous;
  const values = valuesDigest && c.valuesDigest ? (valuesDigest === c.valuesDigest ? '; same values' : '; values differ') : '';
  return `${chart} (revision ${revision}, ${status}${values})`;
}

/** The phase badge colour of a component's status. */
export const statusTone = (status: string): string => STATUS_TONE[status] ?? 'pending';
