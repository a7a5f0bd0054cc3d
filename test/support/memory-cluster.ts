// An in-memory Kubernetes API server, just enough of one for unit tests of the projection
// reconciler's logic (the crossplane `test.MockClient` idea, with state): objects by
// apiVersion/kind/namespace/name with uid, resourceVersion and generation; label selectors (the
// store's own parser); server-side apply as a field manager, with `managedFields` naming who
// owns which field; writes by other field managers (`edit`); finalizers and deletionTimestamp;
// dry runs; admission checks; and failures injected as the real client's KubeErrors. It is no substitute for a
// cluster: the e2e tests stay the proof that KubeNova works against Kubernetes.
//
// Simplifications (what the reconciler does not depend on): every list is atomic (replaced
// whole, owned as one field); no defaulting, validation or admission unless injected; all types
// are served; a namespaced object needs its Namespace to exist, nothing else is cascaded.
import { isDeepStrictEqual } from 'node:util';
import { errorFromStatus, errorFromTransport } from '../../src/adapters/kube/errors.js';
import {
  FIELD_MANAGER,
  KubeError,
  type ClusterClient,
  type KubeObject,
  type ObjectMeta,
  type ObjectRef,
  type Stoppable,
  type TypeRef,
  type WatchEventType,
} from '../../src/adapters/kube/types.js';
import { matchesLabelSelector, parseLabelSelector } from '../../src/store/label-selector.js';

/** `f`'s result as a promise, its throw as a rejection: what a real client's calls do. */
const settle = <T>(f: () => T): Promise<T> => new Promise<T>((resolve) => resolve(f()));

export type Verb = 'apply' | 'get' | 'list' | 'delete' | 'patchStatus' | 'watch';

/** One call the code under test made through a client of this cluster. */
export interface Call {
  verb: Verb;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name?: string;
  labelSelector?: string;
  dryRun?: true;
  /** The impersonated user, if any. */
  as?: string;
}

/** A failure to inject: the first calls matching it throw `error` (`times`: how many; default all). */
export interface Failure {
  verb?: Verb;
  kind?: string;
  name?: string;
  dryRun?: boolean;
  times?: number;
  error: Error;
}

type Json = Record<string, unknown>;
/** Metadata with the fields ClusterClient's ObjectMeta leaves out but the server keeps. */
type Meta = ObjectMeta & { finalizers?: string[]; creationTimestamp?: string };
const meta = (o: KubeObject) => o.metadata as Meta;
type Path = string[];

interface Owner {
  operation: 'Apply' | 'Update';
  time: string;
  /** Leaf paths (JSON of the segments) this manager owns. */
  paths: Set<string>;
}

interface Stored {
  obj: KubeObject;
  owners: Map<string, Owner>;
}

const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

const keyOf = (r: { apiVersion: string; kind: string; namespace?: string; name: string }) => `${r.apiVersion}/${r.kind}/${r.namespace ?? ''}/${r.name}`;
const refKey = (o: KubeObject) => keyOf({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name });
const describeRef = (r: { kind: string; namespace?: string; name: string }) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;

/** The fields server-side apply tracks: labels, annotations and everything but identity and status. */
function content(obj: KubeObject): Json {
  const { apiVersion: _a, kind: _k, metadata, status: _s, ...rest } = obj;
  const meta: Json = {};
  if (metadata.labels) meta.labels = metadata.labels;
  if (metadata.annotations) meta.annotations = metadata.annotations;
  return { ...(Object.keys(meta).length > 0 && { metadata: meta }), ...rest };
}

/** Every leaf (scalar, list, empty map) of an object's content, by its path. */
function leavesOf(obj: KubeObject): Map<string, { path: Path; value: unknown }> {
  const out = new Map<string, { path: Path; value: unknown }>();
  const walk = (v: unknown, path: Path) => {
    if (isMap(v) && (Object.keys(v).length > 0 || path.length === 0)) {
      for (const [k, child] of Object.entries(v)) walk(child, [...path, k]);
      return;
    }
    out.set(JSON.stringify(path), { path, value: v });
  };
  walk(content(obj), []);
  return out;
}

function setPath(obj: Json, path: Path, value: unknown): void {
  let node = obj;
  for (const seg of path.slice(0, -1)) {
    if (!isMap(node[seg])) node[seg] = {};
    node = node[seg] as Json;
  }
  node[path[path.length - 1]!] = clone(value);
}

/** Removes a field and the maps it leaves empty. */
function deletePath(obj: Json, path: Path): void {
  const parents: Json[] = [obj];
  for (const seg of path.slice(0, -1)) {
    const next = parents[parents.length - 1]![seg];
    if (!isMap(next)) return;
    parents.push(next);
  }
  delete parents[parents.length - 1]![path[path.length - 1]!];
  for (let i = parents.length - 1; i > 0; i--) {
    if (Object.keys(parents[i]!).length > 0) break;
    delete parents[i - 1]![path[i - 1]!];
  }
}

/** One path is the other or lies under it (owning `a.b` conflicts with owning `a.b.c`). */
function overlaps(a: string, b: string): boolean {
  const x = JSON.parse(a) as Path;
  const y = JSON.parse(b) as Path;
  const n = Math.min(x.length, y.length);
  return x.slice(0, n).every((s, i) => s === y[i]);
}

/** A manager's fields as `fieldsV1` (`{"f:data":{"f:color":{}}}`). */
function fieldsV1(paths: Iterable<string>): Json {
  const out: Json = {};
  for (const p of paths) {
    let node = out;
    for (const seg of JSON.parse(p) as Path) node = (node[`f:${seg}`] ??= {}) as Json;
  }
  return out;
}

const sameOwners = (a: Map<string, Owner>, b: Map<string, Owner>) =>
  a.size === b.size && [...a].every(([m, o]) => b.get(m)?.operation === o.operation && isDeepStrictEqual(b.get(m)?.paths, o.paths));

export class MemoryCluster {
  /** Every call made through this cluster's clients, in order. */
  readonly calls: Call[] = [];
  private readonly objects = new Map<string, Stored>();
  private readonly failures: Failure[] = [];
  private readonly admission: Array<(op: 'apply' | 'delete', obj: KubeObject) => Error | undefined> = [];
  private readonly watchers = new Set<{
    type: TypeRef;
    namespace?: string;
    selector: ReturnType<typeof parseLabelSelector>;
    onEvent: (t: WatchEventType, o: KubeObject) => void;
  }>();
  private version = 0;
  private uids = 0;

  constructor(
    readonly name: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The server URL the transport errors name. */
  get server(): string {
    return `https://${this.name}.test:6443`;
  }

  /** A client acting as KubeNova's agent (field manager `kubenova`). */
  client(as?: string): ClusterClient {
    const call = (c: Omit<Call, 'as'>) => this.call({ ...c, ...(as && { as }) });
    return {
      cluster: this.name,
      apply: (obj, opts = {}) =>
        settle(() => {
          call({ verb: 'apply', ...typeRef(obj), namespace: obj.metadata.namespace, name: obj.metadata.name, ...(opts.dryRun && { dryRun: true }) });
          return this.apply(FIELD_MANAGER, obj, { dryRun: opts.dryRun });
        }),
      get: (ref) =>
        settle(() => {
          call({ verb: 'get', ...typeRef(ref), namespace: ref.namespace, name: ref.name });
          return this.peek(ref);
        }),
      list: (type, opts = {}) =>
        settle(() => {
          call({ verb: 'list', ...typeRef(type), namespace: opts.namespace, labelSelector: opts.labelSelector });
          return this.list(type, opts);
        }),
      patchStatus: (ref, patch) =>
        settle(() => {
          call({ verb: 'patchStatus', ...typeRef(ref), namespace: ref.namespace, name: ref.name });
          return this.patchStatus(ref, patch);
        }),
      impersonating: (user) => this.client(user),
      delete: (ref) =>
        settle(() => {
          call({ verb: 'delete', ...typeRef(ref), namespace: ref.namespace, name: ref.name });
          return this.delete(ref);
        }),
      watch: (type, opts, onEvent) => {
        call({ verb: 'watch', ...typeRef(type), namespace: opts.namespace, labelSelector: opts.labelSelector });
        return this.watch(type, opts, onEvent);
      },
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Failures

  /** Calls matching `f` throw its error (after being recorded). */
  fail(f: Failure): this {
    this.failures.push({ ...f });
    return this;
  }

  /** Every call fails as with no route to the API server (what the real client throws). */
  unreachable(): this {
    return this.fail({ error: errorFromTransport({ code: 'ECONNREFUSED' }, this.server) });
  }

  /** An admission check of every write, whoever makes it (a validating webhook): an error it
   *  returns refuses the write. `apply` sees the object as it would be stored. */
  admit(check: (op: 'apply' | 'delete', obj: KubeObject) => Error | undefined): this {
    this.admission.push(check);
    return this;
  }

  private admitted(op: 'apply' | 'delete', obj: KubeObject): void {
    for (const check of this.admission) {
      const refusal = check(op, obj);
      if (refusal) throw refusal;
    }
  }

  /** Drops every injected failure. */
  heal(): this {
    this.failures.length = 0;
    return this;
  }

  private call(c: Call): void {
    this.calls.push(c);
    const i = this.failures.findIndex(
      (f) =>
        (f.verb === undefined || f.verb === c.verb) &&
        (f.kind === undefined || f.kind === c.kind) &&
        (f.name === undefined || f.name === c.name) &&
        (f.dryRun === undefined || f.dryRun === (c.dryRun === true)),
    );
    if (i < 0) return;
    const f = this.failures[i]!;
    if (f.times !== undefined && --f.times <= 0) this.failures.splice(i, 1);
    throw f.error;
  }

  /** Calls that change something: applies (not dry runs), deletes and status patches, but not
   *  the Kubernetes Events KubeNova reports with. */
  writes(): Call[] {
    return this.calls.filter((c) => c.kind !== 'Event' && ((c.verb === 'apply' && !c.dryRun) || c.verb === 'delete' || c.verb === 'patchStatus'));
  }

  // ---------------------------------------------------------------------------------------------
  // The API server (also what tests use to arrange and inspect the cluster; not recorded)

  /** Server-side apply of `obj` by field manager `manager` (force: it takes over conflicting fields). */
  apply(manager: string, obj: KubeObject, opts: { dryRun?: boolean } = {}): KubeObject {
    const key = refKey(obj);
    const cur = this.objects.get(key);
    if (!cur) this.mustHaveNamespace(obj.metadata.namespace);
    const next: KubeObject = cur ? clone(cur.obj) : this.fresh(obj);
    const owners = cur ? cloneOwners(cur.owners) : new Map<string, Owner>();
    const applied = leavesOf(obj);
    const others = (p: string) => [...owners].some(([m, o]) => m !== manager && o.paths.has(p));
    // Fields this manager applied before and no longer does are removed, unless another owns them.
    for (const p of owners.get(manager)?.paths ?? []) if (!applied.has(p) && !others(p)) deletePath(next, JSON.parse(p) as Path);
    for (const { path, value } of applied.values()) setPath(next, path, value);
    for (const [m, o] of owners) {
      if (m === manager) continue;
      o.paths = new Set([...o.paths].filter((p) => ![...applied.keys()].some((a) => overlaps(a, p))));
      if (o.paths.size === 0) owners.delete(m);
    }
    owners.set(manager, { operation: 'Apply', time: this.stamp(), paths: new Set(applied.keys()) });
    this.admitted('apply', next);
    return this.commit(key, cur, next, owners, opts.dryRun);
  }

  /** A write by another field manager (an Update, as `kubectl edit` or a controller makes):
   *  the fields it changes become its own. */
  edit(ref: ObjectRef, manager: string, mutate: (obj: KubeObject) => void): KubeObject {
    const key = keyOf(ref);
    const cur = this.mustGet(ref);
    const next = clone(cur.obj);
    mutate(next);
    const before = leavesOf(cur.obj);
    const after = leavesOf(next);
    const touched = [...after].filter(([p, l]) => !isDeepStrictEqual(before.get(p)?.value, l.value)).map(([p]) => p);
    const removed = [...before.keys()].filter((p) => !after.has(p));
    const owners = cloneOwners(cur.owners);
    for (const [m, o] of owners) {
      o.paths = new Set([...o.paths].filter((p) => ![...touched, ...removed].some((t) => overlaps(t, p))));
      if (o.paths.size === 0) owners.delete(m);
    }
    if (touched.length > 0) {
      const mine = owners.get(manager);
      owners.set(manager, { operation: 'Update', time: this.stamp(), paths: new Set([...(mine?.paths ?? []), ...touched]) });
    }
    return this.commit(key, cur, next, owners, false);
  }

  /** The object as a GET returns it (with managedFields), or undefined. */
  peek(ref: ObjectRef): KubeObject | undefined {
    const found = this.objects.get(keyOf(ref));
    return found && render(found);
  }

  list(type: TypeRef, opts: { namespace?: string; labelSelector?: string } = {}): KubeObject[] {
    const selector = parseLabelSelector(opts.labelSelector ?? '');
    return [...this.objects.values()]
      .filter(({ obj: o }) => o.apiVersion === type.apiVersion && o.kind === type.kind)
      .filter(({ obj: o }) => opts.namespace === undefined || o.metadata.namespace === opts.namespace)
      .filter(({ obj: o }) => matchesLabelSelector(selector, o.metadata.labels ?? {}))
      .sort((a, b) => refKey(a.obj).localeCompare(refKey(b.obj)))
      .map(render);
  }

  /** Every object, as `Kind namespace/name` (for assertions on what is on the cluster). */
  names(): string[] {
    return [...this.objects.values()].map((s) => describeRef({ kind: s.obj.kind, namespace: s.obj.metadata.namespace, name: s.obj.metadata.name })).sort();
  }

  /** A JSON merge patch of the status subresource (a controller reporting): only `status` is
   *  taken, and `metadata.resourceVersion`, if given, must be the current one (else 409). */
  patchStatus(ref: ObjectRef, patch: Json): KubeObject {
    const cur = this.mustGet(ref);
    const expected = isMap(patch.metadata) ? patch.metadata.resourceVersion : undefined;
    if (expected !== undefined && expected !== cur.obj.metadata.resourceVersion) {
      throw errorFromStatus(
        409,
        { kind: 'Status', code: 409, reason: 'Conflict', message: `Operation cannot be fulfilled on ${ref.kind} "${ref.name}": the object has been modified` },
        'PATCH',
      );
    }
    const next = clone(cur.obj);
    next.status = mergePatch(isMap(next.status) ? next.status : {}, isMap(patch.status) ? patch.status : {});
    return this.commit(keyOf(ref), cur, next, cloneOwners(cur.owners), false);
  }

  /** With finalizers: marks the object deleted (deletionTimestamp) and keeps it; else removes it. */
  delete(ref: ObjectRef): 'deleted' | 'absent' {
    const key = keyOf(ref);
    const cur = this.objects.get(key);
    if (!cur) return 'absent';
    this.admitted('delete', cur.obj);
    if ((meta(cur.obj).finalizers?.length ?? 0) === 0) {
      this.objects.delete(key);
      this.notify('DELETED', cur.obj);
      return 'deleted';
    }
    if (!cur.obj.metadata.deletionTimestamp) {
      const next = clone(cur.obj);
      next.metadata.deletionTimestamp = this.stamp();
      this.commit(key, cur, next, cur.owners, false);
    }
    return 'deleted';
  }

  /** Sets the object's finalizers (a controller adding or removing its own); removing the last
   *  of an object being deleted removes it. */
  setFinalizers(ref: ObjectRef, finalizers: string[]): void {
    const cur = this.mustGet(ref);
    const next = clone(cur.obj);
    meta(next).finalizers = finalizers;
    if (finalizers.length === 0 && next.metadata.deletionTimestamp) {
      this.objects.delete(keyOf(ref));
      this.notify('DELETED', next);
      return;
    }
    this.commit(keyOf(ref), cur, next, cur.owners, false);
  }

  watch(
    type: TypeRef,
    opts: { namespace?: string; labelSelector?: string },
    onEvent: (t: WatchEventType, o: KubeObject) => void,
  ): Stoppable & { synced: Promise<void> } {
    const w = { type, namespace: opts.namespace, selector: parseLabelSelector(opts.labelSelector ?? ''), onEvent };
    for (const o of this.list(type, opts)) onEvent('ADDED', o);
    this.watchers.add(w);
    return { synced: Promise.resolve(), stop: () => void this.watchers.delete(w) };
  }

  // ---------------------------------------------------------------------------------------------

  private fresh(obj: KubeObject): KubeObject {
    const { resourceVersion: _r, uid: _u, generation: _g, managedFields: _m, deletionTimestamp: _d, labels: _l, annotations: _a, ...rest } = obj.metadata;
    return {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      metadata: { ...clone(rest), uid: `${this.name}-uid-${++this.uids}`, generation: 1 },
    };
  }

  private mustHaveNamespace(namespace: string | undefined): void {
    if (namespace === undefined || this.objects.has(keyOf({ apiVersion: 'v1', kind: 'Namespace', name: namespace }))) return;
    throw errorFromStatus(404, { kind: 'Status', code: 404, reason: 'NotFound', message: `namespaces "${namespace}" not found` }, 'PATCH');
  }

  private mustGet(ref: ObjectRef): Stored {
    const cur = this.objects.get(keyOf(ref));
    if (!cur) throw errorFromStatus(404, { kind: 'Status', code: 404, reason: 'NotFound', message: `${ref.kind} "${ref.name}" not found` }, 'GET');
    return cur;
  }

  /** Stores `next` (a dry run: only returns it) unless nothing changed: then the object as it
   *  is, with no new version and the managers' times as they were. A change of anything but
   *  metadata and status is a new generation. */
  private commit(key: string, cur: Stored | undefined, next: KubeObject, owners: Map<string, Owner>, dryRun: boolean | undefined): KubeObject {
    if (cur) {
      const same = isDeepStrictEqual(stripped(cur.obj), stripped(next)) && sameOwners(cur.owners, owners);
      if (same) return render(cur);
      const { status: _a, ...before } = content(cur.obj);
      const { status: _b, ...after } = content(next);
      const { metadata: _m1, ...specBefore } = before;
      const { metadata: _m2, ...specAfter } = after;
      if (!isDeepStrictEqual(specBefore, specAfter)) next.metadata.generation = (cur.obj.metadata.generation ?? 1) + 1;
    }
    const stored: Stored = { obj: next, owners };
    if (dryRun) return render({ obj: { ...next, metadata: { ...next.metadata, resourceVersion: cur?.obj.metadata.resourceVersion } }, owners });
    next.metadata.resourceVersion = String(++this.version);
    meta(next).creationTimestamp ??= this.stamp();
    this.objects.set(key, stored);
    this.notify(cur ? 'MODIFIED' : 'ADDED', next);
    return render(stored);
  }

  private notify(type: WatchEventType, obj: KubeObject): void {
    for (const w of this.watchers) {
      if (w.type.apiVersion !== obj.apiVersion || w.type.kind !== obj.kind) continue;
      if (w.namespace !== undefined && w.namespace !== obj.metadata.namespace) continue;
      if (!matchesLabelSelector(w.selector, obj.metadata.labels ?? {})) continue;
      w.onEvent(type, render({ obj, owners: this.objects.get(refKey(obj))?.owners ?? new Map() }));
    }
  }

  private stamp(): string {
    return this.now()
      .toISOString()
      .replace(/\.\d+Z$/, 'Z');
  }
}

/** Registered clusters by name, as the runtime's client cache hands them out; a cluster can be
 *  made impossible to connect to (no credentials, or no route). */
export class MemoryClusters {
  private readonly byName = new Map<string, MemoryCluster>();
  private readonly broken = new Map<string, Error>();
  private readonly clients = new Map<string, ClusterClient>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  cluster(name: string): MemoryCluster {
    let c = this.byName.get(name);
    if (!c) this.byName.set(name, (c = new MemoryCluster(name, this.now)));
    return c;
  }

  /** `forCluster(name)` throws `error` until `heal(name)`. */
  breakConnection(name: string, error: Error = errorFromTransport({ code: 'ECONNREFUSED' }, this.cluster(name).server)): void {
    this.broken.set(name, error);
  }

  heal(name: string): void {
    this.broken.delete(name);
  }

  forCluster(name: string): Promise<ClusterClient> {
    return settle(() => this.clientOf(name));
  }

  private clientOf(name: string): ClusterClient {
    const broken = this.broken.get(name);
    if (broken) throw broken;
    // One client per cluster, as the runtime's cache hands out (watches restart on a new one).
    let client = this.clients.get(name);
    if (!client) this.clients.set(name, (client = this.cluster(name).client()));
    return client;
  }
}

/** The error a refusing admission webhook produces, as the real client maps it. */
export function admissionDenied(webhook: string, message: string, status = 403): KubeError {
  return errorFromStatus(status, { kind: 'Status', code: status, message: `admission webhook "${webhook}" denied the request: ${message}` }, 'PATCH');
}

/** An HTTP error answer with a Kubernetes Status, as the real client maps it (409, 422, ...). */
export function statusError(status: number, message: string): KubeError {
  return errorFromStatus(status, { kind: 'Status', code: status, message }, 'PATCH');
}

const typeRef = (t: TypeRef) => ({ apiVersion: t.apiVersion, kind: t.kind });

function cloneOwners(owners: Map<string, Owner>): Map<string, Owner> {
  return new Map([...owners].map(([m, o]) => [m, { ...o, paths: new Set(o.paths) }]));
}

/** The object without what the server maintains itself. */
function stripped(obj: KubeObject): KubeObject {
  const { resourceVersion: _r, managedFields: _m, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/** The object as the API server returns it: with managedFields. */
function render(s: Stored): KubeObject {
  const obj = clone(s.obj);
  obj.metadata.managedFields = [...s.owners].map(([manager, o]) => ({ manager, operation: o.operation, time: o.time, fieldsV1: fieldsV1(o.paths) }));
  return obj;
}

function mergePatch(target: Json, patch: Json): Json {
  const out = clone(target);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (isMap(v)) out[k] = mergePatch(isMap(out[k]) ? out[k] : {}, v);
    else out[k] = clone(v);
  }
  return out;
}
