// The one reader of kubeconfig text KubeNova is given. It parses the text ONCE, with one parser,
// into a plain checked object; everything after (the safety check, the Kubernetes client, what
// Helm is handed) uses that object and never the text again.
//
// Why so strict: two YAML parsers disagree. `yaml` (YAML 1.2) leaves a `<<` key alone while
// client-node's js-yaml applies it as a merge key, so a check done with one and a load done with
// the other let `<<: {exec: …}` through, and the KubeNova host ran the command. So the text may
// hold no merge keys, anchors, aliases, tags, duplicate keys or second documents, and no field
// outside the kubeconfig schema (clientcmd/api/v1) that KubeNova supports: only inline
// credentials, never a command to run or a file to read on the host.
//
// Separate from kubeconfig.ts so the API's input validation does not load the Kubernetes client.
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import YAML, { isScalar } from 'yaml';

const MAX_ENTRIES = 64;
const Name = Type.String({ minLength: 1, maxLength: 253 });
/** Header-safe text: printable ASCII, no spaces or control characters (a token with a newline
 *  would otherwise end up in an HTTP header). */
const HeaderValue = Type.String({ minLength: 1, maxLength: 16 * 1024, pattern: '^[\\x21-\\x7e]+$' });
const Base64Data = Type.String({ minLength: 1, maxLength: 256 * 1024, pattern: '^[A-Za-z0-9+/\\s]+={0,2}\\s*$' });
const Extensions = Type.Array(Type.Object({ name: Name, extension: Type.Unknown() }, { additionalProperties: false }), { maxItems: MAX_ENTRIES });

const ClusterBody = Type.Object(
  {
    server: Type.String({ minLength: 1, maxLength: 2048 }),
    'certificate-authority-data': Type.Optional(Base64Data),
    'insecure-skip-tls-verify': Type.Optional(Type.Boolean()),
    'tls-server-name': Type.Optional(Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.:\\[\\]-]+$' })),
    'proxy-url': Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    'disable-compression': Type.Optional(Type.Boolean()),
    extensions: Type.Optional(Extensions),
  },
  { additionalProperties: false },
);

const UserBody = Type.Object(
  {
    token: Type.Optional(HeaderValue),
    'client-certificate-data': Type.Optional(Base64Data),
    'client-key-data': Type.Optional(Base64Data),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, pattern: '^[\\x20-\\x39\\x3b-\\x7e]+$' })),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, pattern: '^[\\x20-\\x7e]+$' })),
    extensions: Type.Optional(Extensions),
  },
  { additionalProperties: false },
);

const ContextBody = Type.Object(
  {
    cluster: Name,
    user: Name,
    namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
    extensions: Type.Optional(Extensions),
    /** client-node's exportConfig() repeats the context's name here. */
    name: Type.Optional(Name),
  },
  { additionalProperties: false },
);

const Clusters = Type.Array(Type.Object({ name: Name, cluster: ClusterBody }, { additionalProperties: false }), { maxItems: MAX_ENTRIES });
const Users = Type.Array(Type.Object({ name: Name, user: UserBody }, { additionalProperties: false }), { maxItems: MAX_ENTRIES });
const Contexts = Type.Array(Type.Object({ name: Name, context: ContextBody }, { additionalProperties: false }), { maxItems: MAX_ENTRIES });

const KubeconfigSchema = Type.Object(
  {
    apiVersion: Type.Optional(Type.Literal('v1')),
    kind: Type.Optional(Type.Literal('Config')),
    preferences: Type.Optional(Type.Object({ colors: Type.Optional(Type.Boolean()), extensions: Type.Optional(Extensions) }, { additionalProperties: false })),
    clusters: Clusters,
    users: Users,
    contexts: Contexts,
    'current-context': Type.String({ minLength: 1, maxLength: 253 }),
    extensions: Type.Optional(Extensions),
  },
  { additionalProperties: false },
);

/** A kubeconfig that passed every check: plain data, inline credentials only. */
export type KubeconfigDocument = Static<typeof KubeconfigSchema>;
export type KubeconfigCluster = Static<typeof ClusterBody>;
export type KubeconfigUser = Static<typeof UserBody>;

const checkSchema = Compile(KubeconfigSchema);

/** Fields of the kubeconfig schema that make its loader run a command or read a host file. */
const HOST_REFERENCES: Record<string, string> = {
  exec: 'runs a command on the KubeNova host; embed a token or client certificate instead',
  'auth-provider': 'runs an auth provider on the KubeNova host; embed a token or client certificate instead',
  'token-file': 'reads a file on the KubeNova host; embed the token instead',
  tokenFile: 'reads a file on the KubeNova host; embed the token instead',
  'client-certificate': 'reads a file on the KubeNova host; embed client-certificate-data instead',
  'client-key': 'reads a file on the KubeNova host; embed client-key-data instead',
  'certificate-authority': 'reads a file on the KubeNova host; embed certificate-authority-data instead',
};

/** Fields of the kubeconfig schema KubeNova does not support (it would silently ignore them). */
const UNSUPPORTED = new Set(['as', 'as-uid', 'as-groups', 'as-user-extra']);

export type KubeconfigParse = { doc: KubeconfigDocument } | { problem: string };

/**
 * The kubeconfig in `text`, checked, or why it is refused. Problems say what to fix in
 * KubeNova's own words and never quote the text's values.
 */
export function parseKubeconfig(text: string): KubeconfigParse {
  const parsed = YAML.parseDocument(text, { merge: false, uniqueKeys: true, strict: true, prettyErrors: false });
  if (parsed.errors.length > 0) {
    const code = parsed.errors[0]!.code;
    if (code === 'DUPLICATE_KEY') return { problem: 'has a duplicate key' };
    if (code === 'MULTIPLE_DOCS') return { problem: 'has more than one YAML document' };
    return { problem: 'is not YAML' };
  }
  const construct = yamlConstructProblem(parsed);
  if (construct) return { problem: construct };
  const doc: unknown = parsed.toJS();
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return { problem: 'is not a kubeconfig document' };
  if (!checkSchema.Check(doc)) return { problem: schemaProblem(doc) };
  return references(doc);
}

/** What Helm (or any other program) is handed: the checked object as YAML, never the input. */
export function kubeconfigText(doc: KubeconfigDocument): string {
  return YAML.stringify(doc);
}

/** YAML constructs a kubeconfig does not need and that parsers read differently. */
function yamlConstructProblem(parsed: YAML.Document): string | undefined {
  let problem: string | undefined;
  YAML.visit(parsed, {
    Alias() {
      problem ??= 'uses a YAML alias; write the value out';
      return YAML.visit.BREAK;
    },
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === '<<') {
        problem ??= 'uses a YAML merge key (<<); write the fields out';
        return YAML.visit.BREAK;
      }
      if (pair.key !== null && !isScalar(pair.key)) {
        problem ??= 'has a key that is not a plain string';
        return YAML.visit.BREAK;
      }
      return undefined;
    },
    Node(_, node) {
      if (node.anchor) problem ??= 'uses a YAML anchor (&); write the value out';
      else if (node.tag) problem ??= 'uses a YAML tag (!); plain values only';
      return problem ? YAML.visit.BREAK : undefined;
    },
  });
  return problem;
}

/** The first schema violation, located by path; names a field only when it is a known one. */
function schemaProblem(doc: unknown): string {
  const errors = checkSchema.Errors(doc) as Array<{ keyword: string; instancePath: string; params?: Record<string, unknown> }>;
  // An extra field shows as a `false` schema at the field and as additionalProperties at its parent.
  const first = errors.find((e) => e.keyword === 'additionalProperties') ?? errors.find((e) => e.keyword !== 'boolean') ?? errors[0];
  if (!first) return 'is not a kubeconfig document';
  const at = pathOf(first.instancePath);
  if (first.keyword === 'additionalProperties') {
    const extra = (first.params?.additionalProperties as string[] | undefined)?.[0];
    if (extra !== undefined && extra in HOST_REFERENCES) return `uses field "${extra}"${at}, which ${HOST_REFERENCES[extra]}`;
    if (extra !== undefined && UNSUPPORTED.has(extra)) return `uses field "${extra}"${at}, which KubeNova does not support`;
    return `has a field KubeNova does not accept${at}`;
  }
  if (first.keyword === 'required') {
    const missing = (first.params?.requiredProperties as string[] | undefined)?.[0];
    return missing ? `lacks "${missing}"${at}` : `lacks a required field${at}`;
  }
  if (first.keyword === 'pattern') return `has a value of the wrong form${at} (credentials are printable ASCII without spaces; data fields are base64)`;
  return `has a value of the wrong type or size${at}`;
}

/** ` at users[0].user`, from a JSON pointer (indices and KubeNova's known keys only). */
function pathOf(pointer: string): string {
  if (pointer === '') return '';
  const path = pointer
    .split('/')
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p.replace(/~1/g, '/').replace(/~0/g, '~')}`))
    .join('')
    .replace(/^\./, '');
  return ` at ${path}`;
}

/** The current context must resolve, and servers must be https URLs without credentials. */
function references(doc: KubeconfigDocument): KubeconfigParse {
  const context = doc.contexts.find((c) => c.name === doc['current-context'])?.context;
  if (!context) return { problem: 'names a current-context that it does not define' };
  if (!doc.users.some((u) => u.name === context.user)) return { problem: "does not define its current context's user" };
  if (!doc.clusters.some((c) => c.name === context.cluster)) return { problem: "does not define its current context's cluster" };
  for (const [i, { cluster }] of doc.clusters.entries()) {
    const problem = serverProblem(cluster.server) ?? (cluster['proxy-url'] === undefined ? undefined : proxyProblem(cluster['proxy-url']));
    if (problem) return { problem: `${problem} (at clusters[${i}].cluster)` };
  }
  return { doc };
}

const PROXY_PROTOCOLS = ['http:', 'https:', 'socks5:', 'socks5h:', 'socks4:', 'socks:'];

function serverProblem(server: string): string | undefined {
  const url = urlOf(server);
  if (!url) return 'has a server that is not a URL';
  if (url.protocol !== 'https:') return 'has a server that is not an https:// URL (KubeNova sends credentials to it)';
  if (url.username || url.password) return 'has a server URL with credentials in it; put them in the user entry';
  if (url.search || url.hash) return 'has a server URL with a query or fragment';
  return undefined;
}

function proxyProblem(proxy: string): string | undefined {
  const url = urlOf(proxy);
  if (!url) return 'has a proxy-url that is not a URL';
  if (!PROXY_PROTOCOLS.includes(url.protocol)) return 'has a proxy-url that is not an http(s) or socks URL';
  return undefined;
}

function urlOf(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
