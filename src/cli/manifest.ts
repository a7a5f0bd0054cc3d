// Reads `-f <file.yaml|file.json|->` into manifests: `{kind?, name, tenant?, labels?, spec}`
// (or a cluster's `{name, kubeconfig, labels}`). A file may hold several YAML documents, a JSON
// array or a `{items: [...]}` list (what `get -o yaml` prints), so output can be re-applied.
import { readFile } from 'node:fs/promises';
import YAML from 'yaml';
import { CliError, usageError } from './errors.js';
import { resolveKind, type KindDescriptor } from './kinds.js';

export interface Manifest {
  descriptor: KindDescriptor;
  name: string;
  tenant?: string;
  labels?: Record<string, string>;
  spec?: Record<string, unknown>;
  /** Write-only values to send (`KindDescriptor.writeOnlyFields`), e.g. a cluster's base64 kubeconfig. */
  writeOnly: Record<string, string>;
}

/** Fields the server owns; dropped from manifests so `get -o yaml` output applies cleanly. */
const SERVER_FIELDS = new Set(['kind', 'status', 'generation', 'resourceVersion', 'createdAt', 'updatedAt', 'deletionTimestamp', 'finalizers']);

export async function readSource(file: string, readStdin: () => Promise<string>): Promise<string> {
  if (file === '-') return readStdin();
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** Parses YAML or JSON text into plain documents, flattening arrays and `{items}` lists. */
export function parseDocuments(text: string, source: string): Record<string, unknown>[] {
  const docs = YAML.parseAllDocuments(text);
  const out: Record<string, unknown>[] = [];
  const add = (v: unknown, where: string) => {
    if (v === null || v === undefined) return; // empty document
    if (Array.isArray(v)) return v.forEach((x, i) => add(x, `${where}[${i}]`));
    if (typeof v !== 'object') throw usageError(`${where}: expected an object, got ${typeof v}`);
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.items) && o.name === undefined) return add(o.items, `${where}.items`);
    out.push(o);
  };
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    if (doc.errors.length > 0) throw usageError(`${source}: invalid YAML/JSON: ${doc.errors[0]!.message}`);
    add(doc.toJS(), list.length > 1 ? `${source} (document ${i + 1})` : source);
  });
  if (out.length === 0) throw usageError(`${source}: no objects found`);
  return out;
}

function isStringMap(v: unknown): v is Record<string, string> {
  return !!v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
}

/**
 * Turns one document into a manifest. `kindArg` (from the command line) wins when the document
 * has no `kind`; if both are present they must agree.
 */
export function toManifest(doc: Record<string, unknown>, kindArg: KindDescriptor | undefined, where: string): Manifest {
  let descriptor = kindArg;
  if (typeof doc.kind === 'string') {
    const fromDoc = resolveKind(doc.kind);
    if (kindArg && fromDoc !== kindArg) {
      throw usageError(`${where}: document kind ${fromDoc.kind} does not match ${kindArg.kind} on the command line`);
    }
    descriptor = fromDoc;
  }
  if (!descriptor) throw usageError(`${where}: no kind given (add "kind:" to the document or name the kind on the command line)`);
  if (typeof doc.name !== 'string' || doc.name === '') throw usageError(`${where}: "name" is required`);
  if (doc.labels !== undefined && !isStringMap(doc.labels)) throw usageError(`${where}: "labels" must map strings to strings`);
  if (doc.spec !== undefined && (typeof doc.spec !== 'object' || doc.spec === null || Array.isArray(doc.spec))) {
    throw usageError(`${where}: "spec" must be an object`);
  }
  if (doc.tenant !== undefined && typeof doc.tenant !== 'string') throw usageError(`${where}: "tenant" must be a string`);

  const known = new Set(['name', 'tenant', 'labels', 'spec', ...descriptor.writeOnlyFields]);
  const unknown = Object.keys(doc).filter((k) => !known.has(k) && !SERVER_FIELDS.has(k));
  if (unknown.length > 0) throw usageError(`${where}: unknown field(s) ${unknown.join(', ')} for ${descriptor.plural}`);

  // A write-only field read back from the server is only a description (`{set, keyId}`): a
  // re-applied `get -o yaml` keeps the stored value by leaving it out.
  const writeOnly: Record<string, string> = {};
  for (const f of descriptor.writeOnlyFields) {
    const v = doc[f];
    if (typeof v === 'string') writeOnly[f] = v;
    else if (v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v))) throw usageError(`${where}: "${f}" must be a string`);
  }
  return {
    descriptor,
    name: doc.name,
    tenant: doc.tenant,
    labels: doc.labels,
    spec: doc.spec as Record<string, unknown> | undefined,
    writeOnly,
  };
}

export async function readManifests(file: string, kindArg: KindDescriptor | undefined, readStdin: () => Promise<string>): Promise<Manifest[]> {
  const source = file === '-' ? '<stdin>' : file;
  const docs = parseDocuments(await readSource(file, readStdin), source);
  return docs.map((d, i) => toManifest(d, kindArg, docs.length > 1 ? `${source} (object ${i + 1})` : source));
}

/** The request body for create (POST) and update (PUT). */
export function manifestBody(m: Manifest): Record<string, unknown> {
  const body: Record<string, unknown> = { name: m.name };
  if (m.labels !== undefined) body.labels = m.labels;
  if (m.spec !== undefined) body.spec = m.spec;
  return { ...body, ...m.writeOnly };
}

/** Parses repeated `--label k=v` flags. */
export function parseLabels(pairs: readonly string[] | undefined): Record<string, string> | undefined {
  if (!pairs || pairs.length === 0) return undefined;
  const labels: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw usageError(`invalid label "${p}": expected key=value`);
    labels[p.slice(0, i)] = p.slice(i + 1);
  }
  return labels;
}
