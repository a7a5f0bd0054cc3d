// The projection reconciler's state machine, case by case (crossplane-style tables: what is given,
// what is done, what is wanted), on an in-memory cluster (test/support/memory-cluster.ts) and the
// embedded store. A tiny kind stands in for the real ones: an intent projected as a ConfigMap and
// a Widget (a custom resource a "widget controller" reports ready in its status), deleted widgets
// first. Time is a fake clock, so back-offs and full-check intervals are exact. The same
// behaviour against real clusters is in test/e2e/{tenancy,drift}.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeError, type ClusterClient, type KubeObject, type ObjectRef } from '../../src/adapters/kube/types.js';
import { apiNeed } from '../../src/domain/capabilities.js';
import { CLEANUP_FINALIZER, MANAGED_SELECTOR, ownerKeyOf, ownershipLabels } from '../../src/domain/ownership.js';
import type { Phase, Resource, ResourceStatus } from '../../src/domain/resource.js';
import type { ReconcileResult } from '../../src/orchestrator/manager/controller.js';
import { ClusterWatches } from '../../src/orchestrator/projection/watches.js';
import type { DriftField } from '../../src/orchestrator/projection/drift.js';
import type { ClusterWatch, ProjectionAdapter } from '../../src/adapters/contract.js';
import { DRIFT_FIGHTING, ProjectionReconciler, type DriftPolicy, type ProjectionKind } from '../../src/orchestrator/projection/reconciler.js';
import { createStore, type OpenedStore } from '../../src/store/index.js';
import type { ObjectStore } from '../../src/store/types.js';
import { admissionDenied, MemoryClusters, statusError, type MemoryCluster } from '../support/memory-cluster.js';
import { backends } from '../support/stores.js';

// ---------------------------------------------------------------------------------------------
// The kind under test

const NS = 'demo';
const WIDGET = { apiVersion: 'example.kubenova.io/v1', kind: 'Widget' } as const;
const CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap' } as const;
const NAMESPACE = { apiVersion: 'v1', kind: 'Namespace' } as const;
const EVENT = { apiVersion: 'events.k8s.io/v1', kind: 'Event' } as const;
const WIDGET_FINALIZER = 'example.kubenova.io/protect';
const HOLD_LABEL = 'test.kubenova.io/hold';
/** The identity a widget is written as (impersonation), when the intent names one. */
const RUN_AS = 'example.kubenova.io/run-as';

interface Spec {
  clusters: string[];
  color: string;
  size?: number;
  driftPolicy?: DriftPolicy;
  runAs?: string;
  invalid?: string;
}
interface Intent {
  name: string;
  spec: Spec;
}

/** The kind's watches on its objects (used when a case runs with watches, as the runtime does). */
const ownerKeys = (o: KubeObject) => [ownerKeyOf(o.metadata.labels)].filter((k): k is string => k !== undefined);
const WIDGET_WATCHES: readonly ClusterWatch[] = [
  { type: WIDGET, namespace: NS, labelSelector: MANAGED_SELECTOR, keysOf: ownerKeys },
  { type: CONFIG_MAP, namespace: NS, labelSelector: MANAGED_SELECTOR, keysOf: ownerKeys },
];

const adapter: ProjectionAdapter<Intent, void, void> = {
  engine: 'widgets',
  watches: WIDGET_WATCHES,
  async observe(client, _intent, signal) {
    const ns = await client.get({ ...NAMESPACE, name: NS }, { signal });
    if (!ns) return { stop: { state: 'progressing', reason: 'WaitingForNamespace', message: `namespace ${NS} does not exist yet` } };
    return { ctx: undefined, input: undefined };
  },
  plan(intent, caps) {
    if (!caps) return { outcome: 'undiscovered' };
    if (!caps.resources?.[WIDGET.apiVersion]?.includes('widgets')) {
      return { outcome: 'unsupported', missing: [apiNeed(WIDGET.apiVersion, 'widgets', 'the Widget API')] };
    }
    const labels = ownershipLabels({ tenant: intent.name });
    return {
      outcome: 'planned',
      notes: [],
      objects: [
        { ...CONFIG_MAP, metadata: { name: `${intent.name}-settings`, namespace: NS, labels }, data: { color: intent.spec.color } },
        {
          ...WIDGET,
          metadata: { name: intent.name, namespace: NS, labels, ...(intent.spec.runAs && { annotations: { [RUN_AS]: intent.spec.runAs } }) },
          spec: { size: intent.spec.size ?? 1, settings: `${intent.name}-settings`, protected: true },
        },
      ],
    };
  },
  detail: (applied) => ({ widgetUid: applied.find((o) => o.kind === WIDGET.kind)?.metadata.uid }),
  ownedTypes: [
    { ...WIDGET, namespace: NS },
    { ...CONFIG_MAP, namespace: NS },
  ],
  deleteInOrder: true,
  // Widgets are protected against deletion (a webhook refuses it) until the guard is lifted.
  beforeDelete: (obj) =>
    obj.kind === WIDGET.kind && (obj.spec as { protected?: boolean }).protected
      ? {
          ...WIDGET,
          metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace, labels: obj.metadata.labels },
          spec: { ...(obj.spec as object), protected: false },
        }
      : undefined,
  writeAs: (obj) => obj.metadata.annotations?.[RUN_AS],
  readiness(obj) {
    if (obj.kind !== WIDGET.kind) return undefined;
    const status = obj.status as { ready?: boolean; error?: string } | undefined;
    if (status?.error) return { state: 'failed', reason: 'WidgetFailed', message: status.error };
    if (status?.ready) return { state: 'ready', reason: 'Ready', message: 'ready' };
    return { state: 'progressing', reason: 'WidgetStarting', message: 'not reported ready yet' };
  },
  explain(err) {
    if (err instanceof KubeError && err.reason === 'AdmissionDenied' && err.admission) {
      return { code: 'WidgetRefused', summary: `refused by ${err.admission.webhook}`, detail: err.admission.message };
    }
    return undefined;
  },
};

const settingsRef = (name: string): ObjectRef => ({ ...CONFIG_MAP, namespace: NS, name: `${name}-settings` });
const widgetRef = (name: string): ObjectRef => ({ ...WIDGET, namespace: NS, name });

const testKind: ProjectionKind<Intent, void, void> = {
  // Stored as a Tenant (the store's kinds are a closed list); nothing of the real tenant kind is used.
  kind: 'Tenant',
  adapter,
  load(obj) {
    const spec = obj.spec as unknown as Spec;
    if (spec.invalid) return Promise.resolve({ invalid: spec.invalid });
    return Promise.resolve({ intent: { name: obj.name, spec }, clusters: spec.clusters });
  },
  owner: (obj) => ({ tenant: obj.name }),
  deletionBlocker(obj) {
    const hold = obj.labels[HOLD_LABEL];
    return Promise.resolve(hold ? `waiting for ${hold}` : undefined);
  },
  driftPolicy: (intent) => intent.spec.driftPolicy,
};

// ---------------------------------------------------------------------------------------------
// The store (one embedded store for the file; each case has its own intent and clusters)

let store: OpenedStore;
beforeAll(async () => {
  store = await createStore((await backends.find((b) => b.name === 'embedded')!.fresh()).config());
  const caps = (resources: Record<string, string[]>) => ({ capabilities: { observedAt: '2026-01-01T00:00:00Z', resources } });
  const withWidgets = caps({ v1: ['configmaps', 'namespaces'], [WIDGET.apiVersion]: ['widgets'] });
  for (const [name, extra] of [
    ['east', withWidgets],
    ['west', withWidgets],
    ['bare', undefined], // discovery has not run yet
    ['old', caps({ v1: ['configmaps', 'namespaces'] })], // no Widget API
  ] as const) {
    await store.objects.create({ kind: 'Cluster', name, spec: {} });
    if (extra) await store.objects.updateStatus('Cluster', name, { phase: 'Deployed', conditions: [], observedGeneration: 1, ...extra });
  }
}, 120_000);
afterAll(async () => store?.close());

/** The store, recording every status written for one intent. */
function recording(objects: ObjectStore, name: string, log: ResourceStatus[]): ObjectStore {
  return new Proxy(objects, {
    get(target, prop) {
      if (prop === 'updateStatus') {
        return (async (kind, n, status, ctx) => {
          if (n === name) log.push(structuredClone(status));
          return target.updateStatus(kind, n, status, ctx);
        }) satisfies ObjectStore['updateStatus'];
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v.bind(target) as unknown) : v;
    },
  });
}

// ---------------------------------------------------------------------------------------------
// One case's world

const FIGHTING = { threshold: 3, windowMs: 300_000, baseBackoffMs: 30_000, maxBackoffMs: 600_000 };
const WAIT_MS = 15_000;
const RESYNC_MS = 600_000;
const FULL_CHECK_MS = 60_000;

let serial = 0;

class World {
  readonly name = `t${++serial}`;
  private t = Date.parse('2026-01-01T00:00:00Z');
  readonly now = () => new Date(this.t);
  readonly clusters = new MemoryClusters(this.now);
  /** Statuses written since the last `mark()`. */
  readonly statuses: ResourceStatus[] = [];
  /** Keys the kind's cluster watches enqueued (with `watched`). */
  readonly enqueued: string[] = [];
  /** Drift repairs counted (`kubenova_drift_repairs_total`). */
  readonly repairs: Array<Record<string, string>> = [];
  private readonly marks = new Map<string, number>();
  readonly watches: ClusterWatches | undefined;
  readonly reconciler: ProjectionReconciler<Intent, void, void>;

  /** `watched`: with the kind's watches on its objects, as the runtime runs it. */
  constructor(opts: { watched?: boolean } = {}) {
    if (opts.watched) {
      this.watches = new ClusterWatches((key) => this.enqueued.push(key), adapter.watches);
    }
    this.reconciler = new ProjectionReconciler(testKind, {
      objects: recording(store.objects, this.name, this.statuses),
      clients: this.clusters,
      now: this.now,
      waitRequeueMs: WAIT_MS,
      resyncMs: RESYNC_MS,
      fullCheckMs: FULL_CHECK_MS,
      fighting: FIGHTING,
      driftRepairs: { counter: { inc: (labels) => void this.repairs.push({ ...(labels as Record<string, string>) }) }, adapter: 'widgets' },
      ...(this.watches && { observed: this.watches, onClient: (cluster: string, client: ClusterClient) => this.watches!.ensure(cluster, client) }),
    });
    for (const c of ['east', 'west', 'bare', 'old']) {
      // Every cluster has the namespace the kind projects into, and the widgets' guard.
      this.cluster(c).apply('kubectl', { ...NAMESPACE, metadata: { name: NS } });
      this.cluster(c).admit((op, o) =>
        op === 'delete' && o.kind === WIDGET.kind && (o.spec as { protected?: boolean }).protected
          ? admissionDenied('widgets.example.io', `widget ${o.metadata.name} is protected`)
          : undefined,
      );
    }
  }

  cluster(name: string): MemoryCluster {
    return this.clusters.cluster(name);
  }

  get east(): MemoryCluster {
    return this.cluster('east');
  }

  get west(): MemoryCluster {
    return this.cluster('west');
  }

  get settings(): ObjectRef {
    return settingsRef(this.name);
  }

  get widget(): ObjectRef {
    return widgetRef(this.name);
  }

  advance(ms: number): void {
    this.t += ms;
  }

  async create(spec: Partial<Spec> = {}, labels: Record<string, string> = {}): Promise<void> {
    await store.objects.create({
      kind: 'Tenant',
      name: this.name,
      tenant: this.name,
      labels,
      spec: { clusters: ['east'], color: 'blue', ...spec },
      finalizers: [CLEANUP_FINALIZER],
    });
  }

  async update(spec: Partial<Spec>): Promise<void> {
    const cur = (await this.read())!;
    await store.objects.update('Tenant', this.name, { spec: { ...(cur.spec as unknown as Spec), ...spec } });
  }

  async read(): Promise<Resource | undefined> {
    return store.objects.get('Tenant', this.name);
  }

  async status(): Promise<ResourceStatus> {
    return (await this.read())!.status;
  }

  /** One reconcile, and the Kubernetes Events it queued written (they are written off its path). */
  async reconcile(): Promise<ReconcileResult> {
    const result = await this.reconciler.reconcile({ key: `Tenant/${this.name}`, signal: new AbortController().signal, attempt: 0 });
    await this.reconciler.kubeEvents.flush();
    return result;
  }

  /** The widget controller: reports the widget ready (or failed) on `cluster`. */
  widgetReports(cluster: string, status: { ready?: boolean; error?: string }): void {
    this.cluster(cluster).patchStatus(this.widget, { status });
  }

  /** Created, reported ready and reconciled again: Deployed on `clusters`. */
  async deployed(spec: Partial<Spec> = {}): Promise<void> {
    await this.create(spec);
    await this.reconcile();
    for (const c of spec.clusters ?? ['east']) this.widgetReports(c, { ready: true });
    await this.reconcile();
    expect((await this.status()).phase).toBe('Deployed');
  }

  /** Forgets calls and statuses so far: what the case wants is about what follows. */
  mark(): void {
    this.statuses.length = 0;
    this.enqueued.length = 0;
    this.repairs.length = 0;
    for (const c of ['east', 'west']) this.marks.set(c, this.cluster(c).calls.length);
  }

  /** Writes made through `cluster`'s clients since `mark()`, as `verb Kind namespace/name`. */
  writes(cluster: string): string[] {
    const since = this.marks.get(cluster) ?? 0;
    const c = this.cluster(cluster);
    const recent = new Set(c.calls.slice(since));
    return c
      .writes()
      .filter((w) => recent.has(w))
      .map((w) => `${w.verb} ${w.kind} ${w.namespace ? `${w.namespace}/` : ''}${w.name}`);
  }

  /** Calls of `verb` through `cluster`'s clients since `mark()`. */
  callsOf(cluster: string, verb: string, opts: { dryRun?: boolean } = {}): number {
    return this.cluster(cluster)
      .calls.slice(this.marks.get(cluster) ?? 0)
      .filter((c) => c.verb === verb && (opts.dryRun === undefined || (c.dryRun === true) === opts.dryRun)).length;
  }

  /** What the cluster holds of this intent (Events aside), as `Kind namespace/name`. */
  objects(cluster: string): string[] {
    return this.cluster(cluster)
      .names()
      .filter((n) => !n.startsWith('Event ') && n.includes(` ${NS}/${this.name}`));
  }

  /** The reasons of the Kubernetes Events KubeNova emitted on `cluster`, oldest first. */
  events(cluster: string): string[] {
    return this.cluster(cluster)
      .list(EVENT)
      .filter((e) => (e.regarding as { name?: string }).name?.startsWith(this.name))
      .map((e) => String(e.reason));
  }

  colorOn(cluster: string): string | undefined {
    return (this.cluster(cluster).peek(this.settings)?.data as { color?: string } | undefined)?.color;
  }
}

const ready = (s: ResourceStatus | { conditions: ResourceStatus['conditions'] } | undefined) => s?.conditions.find((c) => c.type === 'Ready');
const phasesOf = (statuses: readonly ResourceStatus[]): Phase[] => statuses.map((s) => s.phase);

/** Another writer changes the settings' color (a `kubectl edit`, another controller). */
const paint = (w: World, cluster: string, color: string, manager = 'team-autoscaler') =>
  w.cluster(cluster).edit(w.settings, manager, (o) => {
    (o.data as Record<string, string>).color = color;
  });

// ---------------------------------------------------------------------------------------------
// Single-reconcile cases: given a state, one reconcile, then what it returns, writes and leaves.

interface Want {
  result: ReconcileResult | Record<string, unknown>;
  /** The phases of the statuses written by the reconcile, in order. */
  phases?: Phase[];
  /** Matched against the status afterwards (toMatchObject). */
  status?: Record<string, unknown>;
  /** Writes to each cluster during the reconcile, in order. */
  writes?: Record<string, string[]>;
  /** The intent's objects on each cluster afterwards. */
  objects?: Record<string, string[]>;
  /** Anything else the case is about. */
  then?: (w: World) => void | Promise<void>;
}

interface Case {
  reason: string;
  /** With the kind's cluster watches (ClusterWatches), as the runtime runs it. */
  watched?: boolean;
  given: (w: World) => Promise<void>;
  want: Want;
}

const retry = (message: string | RegExp) => ({ type: 'retry', error: expect.objectContaining({ message: expect.stringMatching(message) }) });
const objectsOf = (w: World) => [`ConfigMap ${NS}/${w.name}-settings`, `Widget ${NS}/${w.name}`];

function runCases(cases: readonly Case[]): void {
  for (const c of cases) {
    it(c.reason, async () => {
      const w = new World({ watched: c.watched });
      await c.given(w);
      w.mark();
      const result = await w.reconcile();
      expect(result).toMatchObject(c.want.result);
      if (c.want.phases) expect(phasesOf(w.statuses)).toEqual(c.want.phases);
      if (c.want.status) expect(await w.status()).toMatchObject(c.want.status);
      for (const [cluster, writes] of Object.entries(c.want.writes ?? {}))
        expect(w.writes(cluster), `writes to ${cluster}`).toEqual(writes.map((x) => x.replaceAll('$', w.name)));
      for (const [cluster, objects] of Object.entries(c.want.objects ?? {}))
        expect(w.objects(cluster), `objects on ${cluster}`).toEqual(objects.map((x) => x.replaceAll('$', w.name)));
      await c.want.then?.(w);
    });
  }
}

const cm = `ConfigMap ${NS}/$-settings`;
const widget = `Widget ${NS}/$`;
const applied = [`apply ${cm}`, `apply ${widget}`];
/** A widget's deletion: its guard lifted first (the adapter's beforeDelete), then the delete. */
const widgetDeleted = [`apply ${widget}`, `delete ${widget}`];

describe('create', () => {
  runCases([
    {
      reason: 'the first reconcile says Applying at once, applies the plan in order and waits for the widget to be ready',
      given: (w) => w.create(),
      want: {
        result: { type: 'requeueAfter', delayMs: WAIT_MS },
        phases: ['Applying', 'Applying'],
        writes: { east: applied },
        objects: { east: [cm, widget] },
        status: {
          phase: 'Applying',
          observedGeneration: 1,
          clusters: { east: { phase: 'Applying', observedGeneration: 1, conditions: [{ type: 'Ready', status: 'False', reason: 'WidgetStarting' }] } },
        },
        async then(w) {
          const s = await w.status();
          expect(ready(s.clusters!.east)!.message).toBe(`Widget ${NS}/${w.name}: not reported ready yet`);
          expect(s.clusters!.east!.appliedDigest).toEqual(expect.any(String));
          expect(s.clusters!.east!.widgetUid).toBe(w.east.peek(w.widget)!.metadata.uid);
          // Applied by server-side apply as `kubenova`, with the owner's labels.
          const live = w.east.peek(w.settings)!;
          expect(live.data).toEqual({ color: 'blue' });
          expect(live.metadata.labels).toEqual(ownershipLabels({ tenant: w.name }));
          expect(live.metadata.managedFields?.map((m) => [m.manager, m.operation])).toEqual([['kubenova', 'Apply']]);
          expect(w.events('east')).toEqual(['Applying']);
          // The first write of status (Applying) came before anything was applied.
          expect(w.statuses[0]!.clusters).toBeUndefined();
        },
      },
    },
    {
      reason: 'once the widget controller reports ready: Deployed, with no write to the cluster (a refresh of the status only)',
      async given(w) {
        await w.create();
        await w.reconcile();
        w.advance(2_000);
        w.widgetReports('east', { ready: true });
      },
      want: {
        result: { type: 'requeueAfter', delayMs: RESYNC_MS },
        phases: ['Deployed'],
        writes: { east: [] },
        status: {
          phase: 'Deployed',
          conditions: [{ type: 'Ready', status: 'True', reason: 'Deployed', message: 'deployed on cluster east' }],
          clusters: {
            east: { phase: 'Deployed', conditions: [{ type: 'Ready', status: 'True', reason: 'Deployed', message: '2 objects applied and ready' }] },
          },
        },
        then: (w) => {
          expect(w.callsOf('east', 'list')).toBe(0);
          expect(w.events('east')).toEqual(['Applying', 'Deployed']);
        },
      },
    },
    {
      reason: 'a widget reported failed: Error with the widget’s own reason, retried',
      async given(w) {
        await w.create();
        await w.reconcile();
        w.widgetReports('east', { error: 'size 1 is below the minimum' });
      },
      want: {
        result: retry(/^WidgetFailed: Widget demo\/t\d+: size 1 is below the minimum$/),
        phases: ['Error'],
        status: { phase: 'Error', clusters: { east: { phase: 'Error', conditions: [{ reason: 'WidgetFailed' }] } } },
      },
    },
    {
      reason: 'a new generation of the intent is applied as a change, not reported as drift',
      async given(w) {
        await w.deployed();
        await w.update({ color: 'green' });
      },
      want: {
        result: { type: 'requeueAfter', delayMs: RESYNC_MS },
        phases: ['Applying', 'Deployed'],
        writes: { east: applied },
        status: { phase: 'Deployed', observedGeneration: 2 },
        then: async (w) => {
          expect(w.colorOn('east')).toBe('green');
          expect(w.callsOf('east', 'apply', { dryRun: true })).toBe(0);
          expect((await w.status()).clusters!.east!.drift).toBeUndefined();
        },
      },
    },
    {
      reason: 'an object of that name someone else made is left untouched (NotOwned), and nothing after it is applied',
      async given(w) {
        w.east.apply('helm', { ...CONFIG_MAP, metadata: { name: `${w.name}-settings`, namespace: NS }, data: { color: 'purple' } });
        await w.create();
      },
      want: {
        result: retry('NotOwned'),
        writes: { east: [] },
        objects: { east: [cm] },
        status: { phase: 'Error', clusters: { east: { phase: 'Error', conditions: [{ reason: 'NotOwned' }] } } },
        then: (w) => expect(w.colorOn('east')).toBe('purple'),
      },
    },
    {
      reason: 'an intent that cannot be loaded is a terminal Error, nothing touched',
      given: (w) => w.create({ invalid: 'the referenced policy set "gone" does not exist' }),
      want: {
        result: { type: 'terminal', error: expect.objectContaining({ message: 'the referenced policy set "gone" does not exist' }) },
        phases: ['Error'],
        writes: { east: [] },
        status: { phase: 'Error', conditions: [{ type: 'Ready', status: 'False', reason: 'InvalidIntent' }] },
      },
    },
  ]);
});

describe('while the clusters converge', () => {
  it('the safety-net look comes later and later for one generation (15, 15, 30, 60, 60 s); a new generation or a settled one starts again', async () => {
    const w = new World();
    await w.create();
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await w.reconcile();
      expect(r).toMatchObject({ type: 'requeueAfter', converging: true });
      waits.push((r as { delayMs: number }).delayMs);
      w.advance(waits.at(-1)!);
    }
    expect(waits).toEqual([WAIT_MS, WAIT_MS, 2 * WAIT_MS, 4 * WAIT_MS, 4 * WAIT_MS]);

    await w.update({ color: 'green' });
    expect(await w.reconcile()).toMatchObject({ type: 'requeueAfter', delayMs: WAIT_MS, converging: true });
    expect(await w.reconcile()).toMatchObject({ type: 'requeueAfter', delayMs: WAIT_MS });
    expect(await w.reconcile()).toMatchObject({ type: 'requeueAfter', delayMs: 2 * WAIT_MS });

    w.widgetReports('east', { ready: true });
    expect(await w.reconcile()).toEqual({ type: 'requeueAfter', delayMs: RESYNC_MS });
    // Not ready again (its controller restarted it): the same generation converges anew, from the base.
    w.widgetReports('east', { ready: false });
    expect(await w.reconcile()).toMatchObject({ type: 'requeueAfter', delayMs: WAIT_MS, converging: true });
  });
});

describe('no-op', () => {
  runCases([
    {
      reason: 'a reconcile right after a full one, nothing changed: reads the objects, writes nothing (not even status)',
      async given(w) {
        await w.deployed();
        w.advance(5_000);
      },
      want: {
        result: { type: 'requeueAfter', delayMs: RESYNC_MS },
        phases: [],
        writes: { east: [] },
        then: (w) => {
          expect(w.callsOf('east', 'get')).toBe(1 + 2); // the namespace (prepare), then each object
          expect(w.callsOf('east', 'list')).toBe(0);
          expect(w.callsOf('east', 'apply')).toBe(0);
        },
      },
    },
    {
      reason: 'a resync after the full-check interval lists and compares, and still writes nothing',
      async given(w) {
        await w.deployed();
        w.advance(FULL_CHECK_MS + 1);
      },
      want: {
        result: { type: 'requeueAfter', delayMs: RESYNC_MS },
        phases: [],
        writes: { east: [] },
        then: (w) => {
          expect(w.callsOf('east', 'list')).toBe(adapter.ownedTypes.length);
          expect(w.callsOf('east', 'apply')).toBe(0); // not even a dry run: nothing differs
        },
      },
    },
    {
      reason: 'fields others add (defaults, a controller’s annotation) are not drift',
      async given(w) {
        await w.deployed();
        w.east.edit(w.settings, 'defaulter', (o) => {
          o.metadata.annotations = { 'example.io/seen': 'yes' };
          (o.data as Record<string, string>).extra = 'x';
        });
        w.advance(FULL_CHECK_MS + 1);
      },
      want: { result: { type: 'requeueAfter', delayMs: RESYNC_MS }, phases: [], writes: { east: [] } },
    },
  ]);
});

const driftOf = (w: World, live: unknown): DriftField[] => [{ object: `ConfigMap ${NS}/${w.name}-settings`, field: 'data.color', desired: 'blue', live }];

describe('drift', () => {
  runCases([
    {
      reason: 'repair: a field another writer changed is written back; the status shows Drifted with the diff first, then Deployed',
      async given(w) {
        await w.deployed();
        w.advance(1_000);
        paint(w, 'east', 'red');
      },
      want: {
        result: { type: 'requeueAfter', delayMs: FIGHTING.windowMs + 1 }, // look again when the repair leaves the fight window
        phases: ['Drifted', 'Deployed'],
        writes: { east: [`apply ${cm}`] }, // the widget is in sync: not written
        status: { phase: 'Deployed' },
        then: async (w) => {
          expect(w.statuses[0]!.clusters!.east).toMatchObject({ phase: 'Drifted', drift: driftOf(w, 'red') });
          expect(ready(w.statuses[0]!.clusters!.east)!.message).toMatch(/changed on the cluster: ConfigMap demo\/t\d+-settings data.color\); repairing$/);
          expect((await w.status()).clusters!.east!.drift).toBeUndefined();
          expect(w.colorOn('east')).toBe('blue');
          // KubeNova owns the field again (the other writer owned nothing else).
          const owners = w.east.peek(w.settings)!.metadata.managedFields!;
          expect(owners.map((m) => m.manager)).toEqual(['kubenova']);
          expect(owners[0]!.fieldsV1).toHaveProperty(['f:data', 'f:color']);
          expect(w.callsOf('east', 'apply', { dryRun: true })).toBe(1); // the difference confirmed by a dry run
          expect(w.events('east')).toEqual(['Applying', 'Deployed', 'Drifted', 'Deployed']);
          expect(w.repairs).toEqual([{ kind: 'Tenant', adapter: 'widgets' }]);
        },
      },
    },
    {
      reason: 'detect: the difference is reported (Drifted, the field and both values) and left as it is',
      async given(w) {
        await w.deployed({ driftPolicy: 'detect' });
        w.advance(1_000);
        paint(w, 'east', 'red');
      },
      want: {
        result: { type: 'requeueAfter', delayMs: RESYNC_MS },
        phases: ['Drifted'],
        writes: { east: [] },
        status: { phase: 'Drifted', conditions: [{ type: 'Ready', status: 'False', reason: 'Drifted' }] },
        then: async (w) => {
          const east = (await w.status()).clusters!.east!;
          expect(east.drift).toEqual(driftOf(w, 'red'));
          expect(ready(east)!.message).toMatch(/data.color\); drift policy "detect": left as is$/);
          expect(w.colorOn('east')).toBe('red');
          expect(w.repairs).toEqual([]);
        },
      },
    },
    {
      reason: 'detect: later resyncs find the same drift and write nothing (the dry run that confirms it is no write)',
      async given(w) {
        await w.deployed({ driftPolicy: 'detect' });
        w.advance(1_000);
        paint(w, 'east', 'red');
        await w.reconcile();
        w.advance(RESYNC_MS);
      },
      want: {
        result: { type: 'requeueAfter', delayMs: RESYNC_MS },
        phases: [],
        writes: { east: [] },
        status: { phase: 'Drifted' },
        then: (w) => expect(w.callsOf('east', 'apply', { dryRun: true })).toBe(1),
      },
    },
    {
      reason: 'repair: an object someone deleted is put back',
      async given(w) {
        await w.deployed();
        w.east.delete(w.settings);
      },
      want: {
        result: { type: 'requeueAfter' },
        phases: ['Drifted', 'Deployed'],
        writes: { east: [`apply ${cm}`] },
        objects: { east: [cm, widget] },
        then: (w) =>
          expect(w.statuses[0]!.clusters!.east!.drift).toEqual([
            { object: `ConfigMap ${NS}/${w.name}-settings`, field: '*', desired: 'present', live: 'absent' },
          ]),
      },
    },
    {
      reason: 'repair: KubeNova’s label removed by someone is drift too, though the selector no longer finds the object',
      async given(w) {
        await w.deployed();
        w.east.edit(w.widget, 'kubectl-edit', (o) => {
          delete o.metadata.labels!['app.kubernetes.io/managed-by'];
        });
      },
      want: {
        result: { type: 'requeueAfter' },
        phases: ['Drifted', 'Deployed'],
        writes: { east: [`apply ${widget}`] },
        then: (w) => {
          expect(w.statuses[0]!.clusters!.east!.drift).toMatchObject([
            { field: 'metadata.labels["app.kubernetes.io/managed-by"]', desired: 'kubenova', live: null },
          ]);
          expect(w.east.peek(w.widget)!.metadata.labels).toEqual(ownershipLabels({ tenant: w.name }));
        },
      },
    },
  ]);
});

describe('a fight with another writer', () => {
  it('raises DriftFighting naming the object, field and writer, then pauses repairs for longer and longer', async () => {
    const w = new World();
    await w.deployed();
    const key = `ConfigMap ${NS}/${w.name}-settings field data.color`;
    const fightCondition = (s: { conditions: ResourceStatus['conditions'] }) => s.conditions.find((c) => c.type === DRIFT_FIGHTING);
    const steps: Array<{ step: string; run: () => void; want: { repaired: boolean; delayMs: number; fighting?: number; paused?: number } }> = [
      { step: '1st undo, 1 s later', run: () => w.advance(1_000), want: { repaired: true, delayMs: 300_001 } },
      { step: '2nd undo, 1 s later', run: () => w.advance(1_000), want: { repaired: true, delayMs: 299_001 } },
      // The threshold-th repair within the window still happens at once, and names the fight.
      { step: '3rd undo, 1 s later', run: () => w.advance(1_000), want: { repaired: true, delayMs: 298_001, fighting: 3 } },
      // Then each repair waits base·2^(n−1) after the previous one.
      { step: '4th undo, 1 s later', run: () => w.advance(1_000), want: { repaired: false, delayMs: 29_000, fighting: 3, paused: 29 } },
      { step: 'the pause is over', run: () => w.advance(29_000), want: { repaired: true, delayMs: 268_001, fighting: 4 } },
      { step: '5th undo, 1 s later', run: () => w.advance(1_000), want: { repaired: false, delayMs: 59_000, fighting: 4, paused: 59 } },
      { step: 'the pause is over', run: () => w.advance(59_000), want: { repaired: true, delayMs: 208_001, fighting: 5 } },
      { step: '6th undo, 1 s later', run: () => w.advance(1_000), want: { repaired: false, delayMs: 119_000, fighting: 5, paused: 119 } },
      { step: 'the pause is over', run: () => w.advance(119_000), want: { repaired: true, delayMs: 88_001, fighting: 6 } },
    ];
    for (const s of steps) {
      s.run();
      if (w.colorOn('east') === 'blue') paint(w, 'east', 'red');
      w.mark();
      const result = await w.reconcile();
      const status = await w.status();
      const east = status.clusters!.east!;
      expect(result, s.step).toEqual({ type: 'requeueAfter', delayMs: s.want.delayMs });
      expect(w.colorOn('east'), s.step).toBe(s.want.repaired ? 'blue' : 'red');
      expect(w.writes('east'), s.step).toEqual(s.want.repaired ? [`apply ConfigMap ${NS}/${w.name}-settings`] : []);
      if (s.want.fighting === undefined) {
        expect(fightCondition(status), s.step).toBeUndefined();
      } else {
        const message = `${key} repaired ${s.want.fighting} times; other writer: team-autoscaler (Update)`;
        expect(fightCondition(status), s.step).toMatchObject({ status: 'True', reason: 'RepeatedRepairs', message });
        expect(fightCondition(east), s.step).toMatchObject({ status: 'True', message });
      }
      if (s.want.paused !== undefined) {
        expect(status.phase, s.step).toBe('Drifted');
        expect(ready(east), s.step).toMatchObject({
          reason: DRIFT_FIGHTING,
          message: expect.stringMatching(new RegExp(`repairs paused for ${s.want.paused} s: someone keeps changing it back$`)),
        });
        expect(east.drift, s.step).toEqual(driftOf(w, 'red'));
      } else {
        expect(status.phase, s.step).toBe('Deployed');
      }
    }
    // The pauses grew: 29 s, 59 s, 119 s (30 s, 60 s, 120 s after the previous repair).

    // Once nobody undoes the repairs for a whole window, the fight is over.
    w.advance(FIGHTING.windowMs);
    w.mark();
    expect(await w.reconcile()).toEqual({ type: 'requeueAfter', delayMs: RESYNC_MS });
    const after = await w.status();
    expect(after.phase).toBe('Deployed');
    expect(fightCondition(after)).toBeUndefined();
    expect(fightCondition(after.clusters!.east!)).toBeUndefined();
    expect(w.writes('east')).toEqual([]);
  });

  it('an undo by a writer that removed the object names no writer it cannot know', async () => {
    const w = new World();
    await w.deployed();
    for (let i = 0; i < FIGHTING.threshold; i++) {
      w.advance(1_000);
      w.east.delete(w.settings);
      await w.reconcile();
    }
    expect((await w.status()).conditions.find((c) => c.type === DRIFT_FIGHTING)?.message).toBe(
      `ConfigMap ${NS}/${w.name}-settings field (the whole object) repaired 3 times; other writer: unknown (the object was deleted; deletions leave no field owner)`,
    );
  });
});

describe('with the kind’s cluster watches', () => {
  it('the widget controller’s report wakes the intent, and the refresh reads the widget from the watch cache', async () => {
    const w = new World({ watched: true });
    await w.create();
    await w.reconcile();
    w.mark();
    w.widgetReports('east', { ready: true });
    expect(w.enqueued).toEqual([`Tenant/${w.name}`]);
    expect(await w.reconcile()).toEqual({ type: 'requeueAfter', delayMs: RESYNC_MS });
    expect((await w.status()).phase).toBe('Deployed');
    expect(w.callsOf('east', 'get')).toBe(1); // the namespace (prepare); the objects came from the watches
    expect(w.callsOf('east', 'watch')).toBe(0); // started by the first reconcile, kept with the client
  });

  it('another writer’s change wakes the intent; the cached copy does not hide it', async () => {
    const w = new World({ watched: true });
    await w.deployed();
    w.mark();
    paint(w, 'east', 'red');
    expect(w.enqueued).toEqual([`Tenant/${w.name}`]);
    await w.reconcile();
    expect(phasesOf(w.statuses)).toEqual(['Drifted', 'Deployed']);
    expect(w.colorOn('east')).toBe('blue');
  });

  it('an object deleted since the last check is looked up (the cache never claims absence) and put back', async () => {
    const w = new World({ watched: true });
    await w.deployed();
    w.mark();
    w.east.delete(w.settings);
    expect(w.enqueued).toEqual([`Tenant/${w.name}`]);
    await w.reconcile();
    expect(w.writes('east')).toEqual([`apply ConfigMap ${NS}/${w.name}-settings`]);
    expect(w.objects('east')).toEqual(objectsOf(w));
  });
});

// ---------------------------------------------------------------------------------------------

async function deleting(w: World, spec: Partial<Spec> = {}): Promise<void> {
  await w.deployed(spec);
  // The widget controller guards its widgets with a finalizer of its own.
  for (const c of spec.clusters ?? ['east']) w.cluster(c).setFinalizers(w.widget, [WIDGET_FINALIZER]);
  await store.objects.delete('Tenant', w.name);
}

describe('delete with finalizer', () => {
  runCases([
    {
      reason: 'deletion requested: widgets go first; the config map waits while the widget’s own finalizer runs, and so does KubeNova’s',
      given: (w) => deleting(w),
      want: {
        result: { type: 'requeueAfter', delayMs: WAIT_MS },
        writes: { east: widgetDeleted },
        objects: { east: [cm, widget] },
        status: {
          phase: 'Applying',
          conditions: [
            { type: 'Ready', status: 'False', reason: 'Removing' },
            { type: 'Deleting', status: 'True', reason: 'RemovingProjections' },
          ],
          clusters: { east: { phase: 'Applying', conditions: [{ reason: 'Removing' }] } },
        },
        then: async (w) => {
          expect(ready((await w.status()).clusters!.east)!.message).toBe(`waiting for Widget ${NS}/${w.name} to go`);
          const live = w.east.peek(w.widget)!;
          expect(live.metadata.deletionTimestamp).toBeDefined();
          expect(live.spec).toMatchObject({ protected: false }); // released, or the webhook would have refused
          expect((await w.read())!.finalizers).toEqual([CLEANUP_FINALIZER]);
        },
      },
    },
    {
      reason: 'while the widget is still terminating, it is not deleted again and nothing else is',
      async given(w) {
        await deleting(w);
        await w.reconcile();
      },
      want: { result: { type: 'requeueAfter', delayMs: WAIT_MS }, writes: { east: [] }, objects: { east: [cm, widget] } },
    },
    {
      reason: 'once the widget is gone: the config map is deleted, then KubeNova’s finalizer is removed (the intent is gone)',
      async given(w) {
        await deleting(w);
        await w.reconcile();
        w.east.setFinalizers(w.widget, []);
      },
      want: {
        result: { type: 'done' },
        writes: { east: [`delete ${cm}`] },
        objects: { east: [] },
        then: async (w) => expect(await w.read()).toBeUndefined(),
      },
    },
    {
      reason: 'a deletion blocker holds the clean-up: nothing is deleted, the status says why',
      async given(w) {
        await w.deployed();
        await store.objects.update('Tenant', w.name, { labels: { [HOLD_LABEL]: 'project-a' } });
        await store.objects.delete('Tenant', w.name);
      },
      want: {
        result: { type: 'requeueAfter', delayMs: WAIT_MS },
        writes: { east: [] },
        objects: { east: [cm, widget] },
        status: {
          conditions: [
            { type: 'Ready', status: 'False', reason: 'Deleting', message: 'waiting for project-a' },
            { type: 'Deleting', status: 'True', reason: 'WaitingForDependents', message: 'waiting for project-a' },
          ],
        },
        then: async (w) => expect((await w.read())!.finalizers).toEqual([CLEANUP_FINALIZER]),
      },
    },
    {
      reason: 'a cluster unreachable during clean-up keeps the finalizer; the reachable one is cleaned',
      async given(w) {
        await w.deployed({ clusters: ['east', 'west'] });
        await store.objects.delete('Tenant', w.name);
        w.west.unreachable();
      },
      want: {
        result: retry(/^Unreachable: deleting projected objects: cannot reach https:\/\/west.test:6443/),
        writes: { east: [...widgetDeleted, `delete ${cm}`], west: [] },
        objects: { east: [], west: [cm, widget] },
        status: { phase: 'Error', clusters: { west: { phase: 'Error', conditions: [{ reason: 'Unreachable' }] } } },
        then: async (w) => {
          const s = await w.status();
          expect(Object.keys(s.clusters!)).toEqual(['west']); // east is done
          expect((await w.read())!.finalizers).toEqual([CLEANUP_FINALIZER]);
        },
      },
    },
  ]);
});

describe('delete with finalizer: a cluster left by the placement while a blocker holds deletion', () => {
  // What is still on a cluster taken out of the placement is removed before the intent goes:
  // finalize() cleans the clusters in status.clusters and the placement, so the status written
  // while a blocker holds keeps the clusters listed (it once replaced them with none, and the
  // west cluster's objects were left behind).
  it('keeps cleaning a cluster the placement no longer names, also after waiting on a deletion blocker', async () => {
    const w = new World();
    await w.deployed({ clusters: ['east', 'west'] });
    w.west.setFinalizers(w.widget, [WIDGET_FINALIZER]);
    await w.update({ clusters: ['east'] });
    await w.reconcile();
    expect(Object.keys((await w.status()).clusters!)).toEqual(['east', 'west']); // west: Removing
    await store.objects.update('Tenant', w.name, { labels: { [HOLD_LABEL]: 'project-a' } });
    await store.objects.delete('Tenant', w.name);
    await w.reconcile(); // held
    await store.objects.update('Tenant', w.name, { labels: {} });
    w.west.setFinalizers(w.widget, []); // the widget controller is done
    await w.reconcile();
    await w.reconcile();
    expect(w.objects('west')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------

const refused = admissionDenied('widgets.example.io', 'size must be at most 10');

describe('cluster unreachable and refusals', () => {
  runCases([
    {
      reason: 'no connection to one cluster (the client factory throws the transport error): its entry is Error, the other is applied',
      async given(w) {
        w.clusters.breakConnection('west');
        await w.create({ clusters: ['east', 'west'] });
      },
      want: {
        result: retry(/^Unreachable: connecting: cannot reach https:\/\/west.test:6443: connection refused \(ECONNREFUSED\)$/),
        writes: { east: applied, west: [] },
        objects: { east: [cm, widget], west: [] },
        status: {
          phase: 'Error',
          conditions: [{ type: 'Ready', status: 'False', reason: 'Unreachable' }],
          clusters: {
            east: { phase: 'Applying' },
            west: {
              phase: 'Error',
              conditions: [
                {
                  type: 'Ready',
                  status: 'False',
                  reason: 'Unreachable',
                  message: 'connecting: cannot reach https://west.test:6443: connection refused (ECONNREFUSED)',
                },
              ],
            },
          },
        },
      },
    },
    {
      reason: 'no client at all (no credentials, not a KubeError): ClusterUnavailable',
      async given(w) {
        w.clusters.breakConnection('west', new Error('no kubeconfig is stored for cluster "west"'));
        await w.create({ clusters: ['west'] });
      },
      want: {
        result: retry('ClusterUnavailable'),
        status: {
          phase: 'Error',
          clusters: {
            west: { phase: 'Error', conditions: [{ reason: 'ClusterUnavailable', message: 'connecting: no kubeconfig is stored for cluster "west"' }] },
          },
        },
      },
    },
    {
      reason: 'the connection drops after the client was built: Error while reading the cluster state; nothing written',
      async given(w) {
        await w.deployed({ clusters: ['east', 'west'] });
        w.advance(FULL_CHECK_MS + 1);
        w.west.unreachable();
      },
      want: {
        result: retry(/^Unreachable: reading cluster state: cannot reach/),
        phases: ['Error'],
        writes: { east: [], west: [] },
        status: { phase: 'Error', clusters: { east: { phase: 'Deployed' }, west: { phase: 'Error', conditions: [{ reason: 'Unreachable' }] } } },
        then: async (w) => expect(ready(await w.status())!.message).toMatch(/^west: Error \(reading cluster state: cannot reach https:\/\/west.test:6443/),
      },
    },
    {
      reason: 'the cluster is back: the next reconcile converges',
      async given(w) {
        await w.deployed({ clusters: ['east', 'west'] });
        w.advance(FULL_CHECK_MS + 1);
        w.west.unreachable();
        await w.reconcile();
        w.west.heal();
      },
      want: {
        result: { type: 'requeueAfter', delayMs: RESYNC_MS },
        phases: ['Deployed'],
        // West's entry lost its applied digest with the error, so its plan is applied whole again
        // (no drift check first); the server finds nothing to change.
        writes: { east: [], west: applied },
        status: { phase: 'Deployed' },
        then: (w) => expect(w.west.peek(w.settings)!.metadata.resourceVersion).toBe(w.west.list(CONFIG_MAP, { namespace: NS })[0]!.metadata.resourceVersion),
      },
    },
    {
      reason: 'an admission webhook refuses the widget (403): the adapter’s explanation, the config map before it applied',
      async given(w) {
        w.east.fail({ verb: 'apply', kind: 'Widget', dryRun: false, error: refused });
        await w.create();
      },
      want: {
        result: retry('WidgetRefused'),
        writes: { east: applied },
        objects: { east: [cm] },
        status: {
          phase: 'Error',
          clusters: { east: { phase: 'Error', conditions: [{ reason: 'WidgetRefused' }] } },
        },
        then: async (w) =>
          expect(ready((await w.status()).clusters!.east)!.message).toBe(
            `applying Widget ${NS}/${w.name}: refused by widgets.example.io: size must be at most 10`,
          ),
      },
    },
    {
      reason: 'a widget the intent runs as an identity is written impersonating it (the config map as KubeNova)',
      given: (w) => w.create({ runAs: 'alice' }),
      want: {
        result: { type: 'requeueAfter', delayMs: WAIT_MS },
        writes: { east: applied },
        then: (w) =>
          expect(w.east.calls.filter((c) => c.verb === 'apply' && c.kind !== 'Event').map((c) => [c.kind, c.as])).toEqual([
            ['ConfigMap', undefined],
            ['Widget', 'alice'],
          ]),
      },
    },
    {
      reason: 'a refusal of a write made as an identity names it',
      async given(w) {
        w.east.fail({ verb: 'apply', kind: 'Widget', error: admissionDenied('widgets.example.io', 'alice may not create widgets') });
        await w.create({ runAs: 'alice' });
      },
      want: {
        result: retry('WidgetRefused'),
        then: async (w) =>
          expect(ready((await w.status()).clusters!.east)!.message).toBe(
            `applying Widget ${NS}/${w.name} as alice: refused by widgets.example.io: alice may not create widgets`,
          ),
      },
    },
    {
      reason: 'the API server rejects the widget as invalid (422) and the adapter does not explain it: the KubeError’s reason',
      async given(w) {
        w.east.fail({ verb: 'apply', kind: 'Widget', error: statusError(422, 'Widget.example.kubenova.io "x" is invalid: spec.size: must be positive') });
        await w.create();
      },
      want: {
        result: retry(/^Invalid: applying Widget demo\/t\d+: Widget.example.kubenova.io "x" is invalid/),
        status: { phase: 'Error', clusters: { east: { phase: 'Error', conditions: [{ reason: 'Invalid' }] } } },
      },
    },
    {
      reason: 'a conflict (409) is retried with the KubeError’s reason',
      async given(w) {
        w.east.fail({
          verb: 'apply',
          kind: 'ConfigMap',
          times: 1,
          error: statusError(409, 'Operation cannot be fulfilled on configmaps: the object has been modified'),
        });
        await w.create();
      },
      want: {
        result: retry(/^Conflict: applying ConfigMap demo\/t\d+-settings: Operation cannot be fulfilled/),
        writes: { east: [`apply ${cm}`] },
        objects: { east: [] },
      },
    },
    {
      reason: 'a failed dry run is no reason to stop: the plain comparison stands and the drift is repaired',
      async given(w) {
        await w.deployed();
        paint(w, 'east', 'red');
        w.east.fail({ verb: 'apply', dryRun: true, error: statusError(400, 'the webhook does not support dry run') });
      },
      want: { result: { type: 'requeueAfter' }, phases: ['Drifted', 'Deployed'], writes: { east: [`apply ${cm}`] } },
    },
  ]);
});

describe('preconditions and placement', () => {
  runCases([
    {
      reason: 'a precondition not met on one cluster (prepare stops): Applying there with its reason, nothing written there',
      async given(w) {
        w.west.delete({ ...NAMESPACE, name: NS });
        await w.create({ clusters: ['east', 'west'] });
      },
      want: {
        result: { type: 'requeueAfter', delayMs: WAIT_MS },
        writes: { east: applied, west: [] },
        status: { phase: 'Applying', clusters: { west: { phase: 'Applying', conditions: [{ reason: 'WaitingForNamespace' }] } } },
      },
    },
    {
      reason: 'capabilities not discovered yet: Pending',
      given: (w) => w.create({ clusters: ['bare'] }),
      want: {
        result: { type: 'requeueAfter', delayMs: WAIT_MS },
        status: { phase: 'Pending', clusters: { bare: { phase: 'Pending', conditions: [{ reason: 'CapabilitiesUnknown' }] } } },
      },
    },
    {
      reason: 'a cluster without the Widget API: Error MissingCapability, not retried (looked at again at resync)',
      given: (w) => w.create({ clusters: ['old'] }),
      want: {
        result: { type: 'requeueAfter', delayMs: RESYNC_MS },
        status: {
          phase: 'Error',
          clusters: {
            old: { phase: 'Error', conditions: [{ reason: 'MissingCapability', message: `the cluster lacks the Widget API [${WIDGET.apiVersion}/widgets]` }] },
          },
        },
      },
    },
    {
      reason: 'a cluster that is not registered: Error ClusterNotRegistered',
      given: (w) => w.create({ clusters: ['nowhere'] }),
      want: {
        result: { type: 'requeueAfter', delayMs: RESYNC_MS },
        status: { phase: 'Error', clusters: { nowhere: { conditions: [{ reason: 'ClusterNotRegistered' }] } } },
      },
    },
    {
      reason: 'a cluster taken out of the placement: what was projected there is removed, and its entry goes',
      async given(w) {
        await w.deployed({ clusters: ['east', 'west'] });
        await w.update({ clusters: ['east'] });
      },
      want: {
        result: { type: 'requeueAfter', delayMs: RESYNC_MS },
        writes: { east: [], west: [...widgetDeleted, `delete ${cm}`] }, // east's objects are in sync: not written
        objects: { east: [cm, widget], west: [] },
        then: async (w) => expect(Object.keys((await w.status()).clusters!)).toEqual(['east']),
      },
    },
  ]);
});

// ---------------------------------------------------------------------------------------------

describe('several clusters: the object’s phase is the worst of theirs', () => {
  const cases: Array<{ reason: string; west: (w: World) => void | Promise<void>; phase: Phase; readyReason: string }> = [
    { reason: 'both Deployed → Deployed', west: (w) => w.widgetReports('west', { ready: true }), phase: 'Deployed', readyReason: 'Deployed' },
    { reason: 'Deployed and Applying → Applying', west: () => undefined, phase: 'Applying', readyReason: 'WidgetStarting' },
    { reason: 'Deployed and Error → Error', west: (w) => w.widgetReports('west', { error: 'out of widgets' }), phase: 'Error', readyReason: 'WidgetFailed' },
    { reason: 'Deployed and unreachable → Error', west: (w) => w.clusters.breakConnection('west'), phase: 'Error', readyReason: 'Unreachable' },
  ];
  for (const c of cases) {
    it(c.reason, async () => {
      const w = new World();
      await w.create({ clusters: ['east', 'west'] });
      await w.reconcile();
      w.widgetReports('east', { ready: true });
      await c.west(w);
      await w.reconcile();
      const s = await w.status();
      expect(s.clusters!.east!.phase).toBe('Deployed');
      expect(s.phase).toBe(c.phase);
      expect(ready(s)).toMatchObject({ status: c.phase === 'Deployed' ? 'True' : 'False', reason: c.readyReason });
      if (c.phase !== 'Deployed') expect(ready(s)!.message).toMatch(new RegExp(`^west: ${c.phase} \\(`));
    });
  }

  it('Drifted (detect) and Applying → Drifted', async () => {
    const w = new World();
    await w.create({ clusters: ['east', 'west'], driftPolicy: 'detect' });
    await w.reconcile();
    w.widgetReports('east', { ready: true });
    await w.reconcile();
    paint(w, 'east', 'red');
    w.advance(1_000);
    await w.reconcile();
    const s = await w.status();
    expect([s.clusters!.east!.phase, s.clusters!.west!.phase, s.phase]).toEqual(['Drifted', 'Applying', 'Drifted']);
  });
});

// Keep the helpers honest: the fake behaves like the API server where the reconciler relies on it.
describe('the in-memory cluster', () => {
  it('server-side apply: re-applying the same object changes nothing; another writer’s field is named in managedFields', () => {
    const w = new World();
    const obj: KubeObject = { ...CONFIG_MAP, metadata: { name: 'x', namespace: NS, labels: { a: '1' } }, data: { color: 'blue', size: 's' } };
    const first = w.east.apply('kubenova', obj);
    expect(w.east.apply('kubenova', obj).metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    w.east.edit({ ...CONFIG_MAP, namespace: NS, name: 'x' }, 'other', (o) => {
      (o.data as Record<string, string>).color = 'red';
    });
    const rendered = w.east.peek({ ...CONFIG_MAP, namespace: NS, name: 'x' })!.metadata.managedFields!;
    expect(rendered.find((m) => m.manager === 'other')).toMatchObject({ operation: 'Update', fieldsV1: { 'f:data': { 'f:color': {} } } });
    expect(rendered.find((m) => m.manager === 'kubenova')?.fieldsV1).toEqual({ 'f:metadata': { 'f:labels': { 'f:a': {} } }, 'f:data': { 'f:size': {} } });
    // A field the manager no longer applies is removed; the dry run stored nothing.
    expect(w.east.apply('kubenova', { ...obj, metadata: { name: 'x', namespace: NS }, data: { size: 's' } }, { dryRun: true }).metadata.labels).toBeUndefined();
    expect(w.east.peek({ ...CONFIG_MAP, namespace: NS, name: 'x' })!.metadata.labels).toEqual({ a: '1' });
    expect(w.east.list(CONFIG_MAP, { namespace: NS, labelSelector: 'a=1,!b' })).toHaveLength(1);
    expect(w.east.list(CONFIG_MAP, { namespace: NS, labelSelector: 'a,b' })).toHaveLength(0);
  });

  it('deletion with finalizers marks the object; removing the last one removes it; watches see each step', () => {
    const w = new World();
    const ref = { ...CONFIG_MAP, namespace: NS, name: 'x' };
    const seen: string[] = [];
    w.east.watch(CONFIG_MAP, { namespace: NS, labelSelector: 'a=1' }, (type, o) => seen.push(`${type} ${o.metadata.name} ${o.metadata.resourceVersion}`));
    w.east.apply('kubenova', { ...CONFIG_MAP, metadata: { name: 'x', namespace: NS, labels: { a: '1' } } });
    w.east.apply('kubenova', { ...CONFIG_MAP, metadata: { name: 'y', namespace: NS, labels: { a: '2' } } }); // not selected
    w.east.setFinalizers(ref, ['f']);
    expect(w.east.delete(ref)).toBe('deleted');
    expect(w.east.peek(ref)!.metadata.deletionTimestamp).toBe('2026-01-01T00:00:00Z');
    w.east.setFinalizers(ref, []);
    expect(w.east.peek(ref)).toBeUndefined();
    expect(w.east.delete(ref)).toBe('absent');
    expect(seen.map((e) => e.split(' ')[0])).toEqual(['ADDED', 'MODIFIED', 'MODIFIED', 'DELETED']);
  });

  it('a status patch with a stale resourceVersion is a 409 Conflict', () => {
    const w = new World();
    const ref = { ...CONFIG_MAP, namespace: NS, name: 'x' };
    const first = w.east.apply('kubenova', { ...CONFIG_MAP, metadata: { name: 'x', namespace: NS } });
    w.east.patchStatus(ref, { metadata: { resourceVersion: first.metadata.resourceVersion }, status: { ok: true } });
    expect(() => w.east.patchStatus(ref, { metadata: { resourceVersion: first.metadata.resourceVersion }, status: { ok: false } })).toThrow(
      expect.objectContaining({ reason: 'Conflict', status: 409 }) as Error,
    );
  });

  it('refuses a namespaced object in a namespace that does not exist (404, as the real client reports it)', () => {
    const w = new World();
    expect(() => w.east.apply('kubenova', { ...CONFIG_MAP, metadata: { name: 'x', namespace: 'nope' } })).toThrow(
      expect.objectContaining({ reason: 'NotFound', status: 404 }) as Error,
    );
  });
});
