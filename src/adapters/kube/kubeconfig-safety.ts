// Whether a kubeconfig that arrived over the API can be loaded on the KubeNova host: only inline
// credentials, never a command to run or a file to read there. Separate from kubeconfig.ts so
// the API's input validation does not load the Kubernetes client library.
import YAML from 'yaml';

/** Keys that make a kubeconfig run a command or read a file on the host that loads it. */
const HOST_REFERENCES: Record<'cluster' | 'user', Record<string, string>> = {
  cluster: { 'certificate-authority': 'certificate-authority-data' },
  user: {
    exec: 'a token or client certificate',
    'auth-provider': 'a token or client certificate',
    'token-file': 'token',
    tokenFile: 'token',
    'client-certificate': 'client-certificate-data',
    'client-key': 'client-key-data',
  },
};

type Entry = { name?: unknown; cluster?: Record<string, unknown>; user?: Record<string, unknown> };

/** The kubeconfig's document, or why the text is not one. Never quotes values. */
export function parseKubeconfigDocument(text: string): { doc: Record<string, unknown> } | { problem: string } {
  let doc: unknown;
  try {
    doc = YAML.parse(text, { maxAliasCount: 100 });
  } catch {
    return { problem: 'is not YAML' };
  }
  if (!doc || typeof doc !== 'object') return { problem: 'is not a kubeconfig document' };
  return { doc: doc as Record<string, unknown> };
}

/** Why a kubeconfig cannot be loaded safely on the KubeNova host, or undefined. Never quotes values. */
export function hostReferenceProblem(text: string): string | undefined {
  const parsed = parseKubeconfigDocument(text);
  return 'problem' in parsed ? parsed.problem : hostReferencesIn(parsed.doc);
}

/** The first host reference (file or command) in a parsed kubeconfig, described; or undefined. */
export function hostReferencesIn(doc: Record<string, unknown>): string | undefined {
  for (const section of ['cluster', 'user'] as const) {
    const entries = doc[`${section}s`];
    for (const entry of Array.isArray(entries) ? (entries as Entry[]) : []) {
      const body = entry?.[section];
      if (!body || typeof body !== 'object') continue;
      for (const [key, instead] of Object.entries(HOST_REFERENCES[section])) {
        if (key in body) {
          return `uses ${section} field "${key}" (a file or command on the KubeNova host); embed ${instead} instead`;
        }
      }
    }
  }
  return undefined;
}
