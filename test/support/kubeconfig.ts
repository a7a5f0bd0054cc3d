// A minimal, valid kubeconfig (a current context whose cluster has a server and whose user
// exists): what the API accepts for a cluster and the CLI reads from --kubeconfig-file.

export interface KubeconfigOptions {
  server?: string;
  /** The user's bearer token: the credential that must never leak. */
  token?: string;
  /** The user entry's lines instead of `token: <token>` (hostile or broken variants). */
  user?: string;
  /** Text appended after the document. */
  extra?: string;
}

export function kubeconfigYaml({
  server = 'https://127.0.0.1:6443',
  token = 'cluster-admin-token-should-never-leak',
  user,
  extra = '',
}: KubeconfigOptions = {}): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: c',
    '  cluster:',
    `    server: ${server}`,
    'users:',
    '- name: u',
    '  user:',
    `    ${user ?? `token: ${token}`}`,
    'contexts:',
    '- name: ctx',
    '  context: {cluster: c, user: u}',
    'current-context: ctx',
    extra,
  ].join('\n');
}

/** The same, base64-encoded, as API bodies carry it. */
export function kubeconfigB64(opts: KubeconfigOptions = {}): string {
  return Buffer.from(kubeconfigYaml(opts)).toString('base64');
}
