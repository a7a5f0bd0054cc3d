// The generic verbs (get, create, apply, update, delete): one implementation for every kind,
// driven by the kind descriptors in kinds.ts.
import { readFile } from 'node:fs/promises';
import type { ApiClient } from '../client.js';
import type { CliContext } from '../context.js';
import { ApiError, CliError, describeError, ReportedError, usageError } from '../errors.js';
import { childCollectionPath, collectionPath, objectPath, resolveKind, type ApiObject, type KindDescriptor, type ParentScope } from '../kinds.js';
import { manifestBody, parseDocuments, parseLabels, readManifests, readSource, toManifest, type Manifest } from '../manifest.js';
import { formatData, formatObjects, objectRef, parseOutputFormat, type OutputFormat } from '../output.js';

export interface GetOptions {
  selector?: string;
  limit?: number;
  chunkSize?: number;
  cursor?: string;
  tenant?: string;
  project?: string;
  output?: string;
}

export async function get(ctx: CliContext, kindArg: string, name: string | undefined, opts: GetOptions): Promise<void> {
  const d = resolveKind(kindArg);
  const format = parseOutputFormat(opts.output);
  const now = ctx.io.now();
  if (name !== undefined) {
    if (opts.selector || opts.limit !== undefined || opts.chunkSize !== undefined || opts.cursor || opts.project) {
      throw usageError('--selector, --limit, --chunk-size, --cursor and --project apply to lists, not to one object');
    }
    const client = await ctx.client();
    const obj = await fetchObject(client, d, name);
    if (opts.tenant !== undefined && obj.tenant !== opts.tenant) {
      throw new ApiError(404, 'NOT_FOUND', `${d.kind} "${name}" not found in tenant "${opts.tenant}"`);
    }
    ctx.io.out(formatObjects(d, [obj], format, { single: true, now }));
    return;
  }
  const path = listPath(d, opts);
  const client = await ctx.client();
  const page = await client.list<ApiObject>(path, {
    limit: opts.limit,
    pageSize: opts.chunkSize,
    cursor: opts.cursor,
    labelSelector: opts.selector,
  });
  if (page.items.length === 0 && format === 'table') ctx.io.err(`No ${d.plural} found.\n`);
  else ctx.io.out(formatObjects(d, page.items, format, { single: false, now }));
  if (page.nextCursor) ctx.io.err(`more ${d.plural} remain; continue with: --cursor ${page.nextCursor}\n`);
}

function listPath(d: KindDescriptor, opts: GetOptions): string {
  const parents = (['tenant', 'project'] as const).filter((p) => opts[p] !== undefined);
  if (parents.length === 0) return collectionPath(d);
  if (parents.length > 1) throw usageError('give --tenant or --project, not both');
  const parent: ParentScope = parents[0]!;
  if (!d.listParents.includes(parent)) {
    const ok = d.listParents.length > 0 ? ` (only ${d.listParents.map((p) => `--${p}`).join(', ')})` : '';
    throw usageError(`--${parent} is not supported for ${d.plural}${ok}`);
  }
  return childCollectionPath(d, parent, opts[parent]!);
}

async function fetchObject(client: ApiClient, d: KindDescriptor, name: string): Promise<ApiObject> {
  return (await client.get<ApiObject>(objectPath(d, name))).body;
}

/** `If-Match` for a version: the server's strong ETag is the quoted resourceVersion. */
export function ifMatch(resourceVersion: string): string {
  return /^(W\/)?".*"$/.test(resourceVersion) ? resourceVersion : `"${resourceVersion}"`;
}

/** Where a new object is POSTed: projects with a tenant go to `/tenants/{t}/projects`. */
function createPath(m: Manifest, tenantFlag: string | undefined): string {
  const d = m.descriptor;
  if (tenantFlag !== undefined && !d.createdInTenant) throw usageError(`--tenant is not supported when creating ${d.plural}`);
  if (tenantFlag !== undefined && m.tenant !== undefined && tenantFlag !== m.tenant) {
    throw usageError(`${objectRef(d, m.name)}: --tenant ${tenantFlag} does not match tenant ${m.tenant} in the file`);
  }
  const tenant = tenantFlag ?? m.tenant;
  // Without a tenant, a project names it in spec.tenant and goes to the plain collection.
  return d.createdInTenant && tenant !== undefined ? childCollectionPath(d, 'tenant', tenant) : collectionPath(d);
}

async function createOne(client: ApiClient, m: Manifest, tenantFlag: string | undefined): Promise<ApiObject> {
  const { body } = await client.request<ApiObject>('POST', createPath(m, tenantFlag), { body: manifestBody(m) });
  return body;
}

export interface CreateOptions {
  file?: string;
  tenant?: string;
  label?: string[];
  kubeconfigFile?: string;
  output?: string;
}

/**
 * `create <kind> -f file`, `create <kind> <name> [--label k=v]` (default spec),
 * `create cluster <name> --kubeconfig-file path`, `create project <name> --tenant t`.
 */
export async function create(ctx: CliContext, kindArg: string | undefined, name: string | undefined, opts: CreateOptions): Promise<void> {
  const format = optionalFormat(opts.output);
  const kind = kindArg === undefined ? undefined : resolveKind(kindArg);
  const manifests = await manifestsFromArgs(ctx, kind, name, opts);
  const client = await ctx.client();
  await forEach(ctx, manifests, async (m) => {
    report(ctx, m.descriptor, await createOne(client, m, opts.tenant), 'created', format);
  });
}

async function manifestsFromArgs(ctx: CliContext, kind: KindDescriptor | undefined, name: string | undefined, opts: CreateOptions): Promise<Manifest[]> {
  if (opts.file !== undefined) {
    if (name !== undefined || opts.label || opts.kubeconfigFile) throw usageError('-f cannot be combined with a name, --label or --kubeconfig-file');
    return readManifests(opts.file, kind, () => ctx.io.readStdin());
  }
  if (!kind || name === undefined) throw usageError('give -f <file>, or a kind and a name');
  const doc: Record<string, unknown> = { name };
  const labels = parseLabels(opts.label);
  if (labels) doc.labels = labels;
  if (kind.writeOnlyFields.includes('kubeconfig')) {
    // The seed's cluster body: {name, kubeconfig (base64), labels}.
    if (opts.kubeconfigFile === undefined) throw usageError(`${kind.plural} need --kubeconfig-file <path> (or -f <file>)`);
    doc.kubeconfig = await readKubeconfigFile(opts.kubeconfigFile);
  } else if (opts.kubeconfigFile !== undefined) {
    throw usageError('--kubeconfig-file is only for clusters');
  }
  return [toManifest(doc, kind, '<arguments>')];
}

async function readKubeconfigFile(path: string): Promise<string> {
  try {
    return (await readFile(path)).toString('base64');
  } catch (err) {
    throw new CliError(`cannot read kubeconfig ${path}: ${(err as Error).message}`);
  }
}

export interface ApplyOptions {
  file: string;
  tenant?: string;
  output?: string;
}

/** Creates each object, or when it already exists replaces it (If-Match from a fresh GET). */
export async function apply(ctx: CliContext, kindArg: string | undefined, opts: ApplyOptions): Promise<void> {
  const format = optionalFormat(opts.output);
  const kind = kindArg === undefined ? undefined : resolveKind(kindArg);
  const manifests = await readManifests(opts.file, kind, () => ctx.io.readStdin());
  const client = await ctx.client();
  await forEach(ctx, manifests, async (m) => {
    // Write-only fields are required to create (a cluster's kubeconfig); a manifest without them
    // (e.g. `get -o yaml` output) can only update an existing object.
    const missing = m.descriptor.writeOnlyFields.filter((f) => m.writeOnly[f] === undefined);
    if (missing.length === 0) {
      try {
        report(ctx, m.descriptor, await createOne(client, m, opts.tenant), 'created', format);
        return;
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 'ALREADY_EXISTS')) throw err;
      }
    }
    const current = await fetchObject(client, m.descriptor, m.name).catch((err: unknown) => {
      if (err instanceof ApiError && err.code === 'NOT_FOUND' && missing.length > 0) {
        throw new CliError(`${objectRef(m.descriptor, m.name)} does not exist; creating it needs ${missing.join(', ')}`);
      }
      throw err;
    });
    const tenant = opts.tenant ?? m.tenant;
    if (m.descriptor.createdInTenant && tenant !== undefined && current.tenant !== tenant) {
      throw new CliError(`${objectRef(m.descriptor, m.name)} already exists in tenant ${current.tenant ?? '<none>'}, not ${tenant}`);
    }
    const updated = await put(client, m, current.resourceVersion, current);
    // The server keeps the version of a write that changes nothing.
    report(ctx, m.descriptor, updated, updated.resourceVersion === current.resourceVersion ? 'unchanged' : 'configured', format);
  });
}

/**
 * PUT replaces labels and spec. What the manifest leaves out keeps its current value when the
 * current object is known (apply, update without --resource-version); write-only fields that
 * are left out always keep theirs (server rule).
 */
async function put(client: ApiClient, m: Manifest, resourceVersion: string | undefined, current: ApiObject | undefined): Promise<ApiObject> {
  if (!resourceVersion) throw new CliError(`${objectRef(m.descriptor, m.name)}: no resourceVersion to update against`);
  const body = manifestBody(m);
  if (m.labels === undefined && current?.labels !== undefined) body.labels = current.labels;
  if (m.spec === undefined && current?.spec !== undefined) body.spec = current.spec;
  try {
    const { body: updated } = await client.request<ApiObject>('PUT', objectPath(m.descriptor, m.name), {
      body,
      headers: { 'if-match': ifMatch(resourceVersion) },
    });
    return updated;
  } catch (err) {
    if (err instanceof ApiError && err.code === 'CONFLICT') {
      throw new ApiError(err.status, err.code, `${err.message} (it changed since it was read: get it again and retry)`, err.details, err.requestId);
    }
    throw err;
  }
}

export interface UpdateOptions {
  file: string;
  resourceVersion?: string;
  output?: string;
}

/** `update <kind> <name> -f file`: PUT with If-Match from a fresh GET, or `--resource-version`. */
export async function update(ctx: CliContext, kindArg: string, name: string, opts: UpdateOptions): Promise<void> {
  const format = optionalFormat(opts.output);
  const kind = resolveKind(kindArg);
  const source = opts.file === '-' ? '<stdin>' : opts.file;
  const docs = parseDocuments(await readSource(opts.file, () => ctx.io.readStdin()), source);
  if (docs.length !== 1) throw usageError(`${source}: update takes exactly one object, found ${docs.length}`);
  const doc = docs[0]!;
  if (doc.name !== undefined && doc.name !== name)
    throw usageError(`${source}: name "${typeof doc.name === 'string' ? doc.name : JSON.stringify(doc.name)}" does not match "${name}"`);
  const m = toManifest({ ...doc, name }, kind, source);
  const client = await ctx.client();
  const current = opts.resourceVersion === undefined ? await fetchObject(client, kind, name) : undefined;
  const updated = await put(client, m, opts.resourceVersion ?? current?.resourceVersion, current);
  report(ctx, kind, updated, 'updated', format);
}

export async function remove(ctx: CliContext, kindArg: string, names: readonly string[], opts: { output?: string }): Promise<void> {
  const d = resolveKind(kindArg);
  const format = optionalFormat(opts.output);
  const client = await ctx.client();
  await forEach(ctx, names, async (name) => {
    // 204: gone. 202: marked for deletion, the object waits for its finalizers.
    const { status, body } = await client.request<ApiObject | undefined>('DELETE', objectPath(d, name));
    if (status === 202 && body) {
      const waiting = body.finalizers?.length ? ` (waiting for finalizers: ${body.finalizers.join(', ')})` : '';
      report(ctx, d, body, `marked for deletion${waiting}`, format);
    } else {
      report(ctx, d, body ?? { name }, 'deleted', format === 'name' ? format : undefined);
    }
  });
}

function optionalFormat(output: string | undefined): OutputFormat | undefined {
  return output === undefined ? undefined : parseOutputFormat(output);
}

/** One step per item. With several items an error is printed and the rest still run; the
 *  command then fails with the first error's exit code. */
async function forEach<T>(ctx: CliContext, items: readonly T[], step: (item: T) => Promise<void>): Promise<void> {
  if (items.length === 1) return step(items[0]!);
  let firstError: unknown;
  for (const item of items) {
    try {
      await step(item);
    } catch (err) {
      firstError ??= err;
      ctx.io.err(describeError(err).text + '\n');
    }
  }
  if (firstError !== undefined) throw new ReportedError(firstError);
}

/** `tenant/acme created`, or the object itself with `-o json|yaml`, or `tenant/acme` with `-o name`. */
function report(ctx: CliContext, d: KindDescriptor, obj: ApiObject, verb: string, format: OutputFormat | undefined): void {
  if (format === 'json' || format === 'yaml') ctx.io.out(formatData(obj, format));
  else if (format === 'name') ctx.print(objectRef(d, obj.name));
  else ctx.print(`${objectRef(d, obj.name)} ${verb}`);
}
