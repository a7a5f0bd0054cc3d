import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KubeRest } from '../../../src/adapters/kube/rest.js';
import {
  kubeconfigExtension,
  kubeconfigText,
  loadKubeconfig,
  parseKubeconfig,
  readKubeconfig,
  tokenKubeconfig,
} from '../../../src/adapters/kube/kubeconfig.js';

/** A kubeconfig with lines spliced into the cluster body, the user body and the top level. */
const kubeconfig = ({ cluster = '', user = '    token: t', top = '', context = '' } = {}) =>
  [
    'apiVersion: v1',
    'clusters:',
    '- name: c',
    '  cluster:',
    '    server: https://10.0.0.1:6443',
    cluster,
    'users:',
    '- name: u',
    '  user:',
    user,
    'contexts:',
    '- name: x',
    '  context:',
    '    cluster: c',
    '    user: u',
    context,
    'current-context: x',
    top,
    '',
  ]
    .filter((l) => l !== '')
    .join('\n');

const problemOf = (text: string) => {
  const r = parseKubeconfig(text);
  return 'problem' in r ? r.problem : undefined;
};

describe('parseKubeconfig: one parser, plain data, the kubeconfig schema only', () => {
  const EXEC = '{exec: {command: /bin/touch, args: [/tmp/x], apiVersion: client.authentication.k8s.io/v1}}';
  const refused: Array<{ reason: string; text: string; says: string }> = [
    // Merge keys: js-yaml (client-node) applies them, so a check that does not is blind to them.
    { reason: 'a merge key in the user body', text: kubeconfig({ user: `    token: t\n    <<: ${EXEC}` }), says: 'merge key' },
    { reason: 'a merge key as the whole user', text: kubeconfig({ user: `    <<: {token-file: /etc/shadow}` }), says: 'merge key' },
    { reason: 'a merge key in a users entry', text: kubeconfig().replace('- name: u\n', `- name: u\n  <<: {user: ${EXEC}}\n`), says: 'merge key' },
    { reason: 'a merge key in the cluster body', text: kubeconfig({ cluster: '    <<: {certificate-authority: /etc/ca}' }), says: 'merge key' },
    { reason: 'a merge key in the context body', text: kubeconfig({ context: '    <<: {namespace: x}' }), says: 'merge key' },
    { reason: 'a merge key at the top level', text: kubeconfig({ top: `<<: {users: [{name: u, user: ${EXEC}}]}` }), says: 'merge key' },
    { reason: 'a merge key inside an extension', text: kubeconfig({ top: 'extensions:\n- name: e\n  extension:\n    <<: {a: 1}' }), says: 'merge key' },
    { reason: 'a quoted "<<" key', text: kubeconfig({ user: `    token: t\n    "<<": ${EXEC}` }), says: 'merge key' },
    // Anchors, aliases and tags: constructs parsers read differently.
    { reason: 'an anchor', text: kubeconfig({ user: '    token: &t t' }), says: 'anchor' },
    {
      reason: 'an alias of an anchored mapping',
      text: kubeconfig({ top: `extensions:\n- name: e\n  extension: &x {a: 1}\n- name: f\n  extension: *x` }),
      says: 'anchor',
    },
    { reason: 'a core tag', text: kubeconfig({ user: '    token: !!str t' }), says: 'tag' },
    { reason: 'a binary tag', text: kubeconfig({ cluster: '    certificate-authority-data: !!binary Zm9v' }), says: 'tag' },
    { reason: 'a custom tag', text: kubeconfig({ user: '    token: !env TOKEN' }), says: 'tag' },
    { reason: 'a non-specific tag on a map', text: kubeconfig({ user: '    exec: ! {command: x}' }), says: 'tag' },
    // Duplicate keys: the last one wins in one parser, the first in another.
    { reason: 'a duplicate key in the user body', text: kubeconfig({ user: '    token: t\n    token: u' }), says: 'duplicate key' },
    { reason: 'a duplicate top-level key', text: kubeconfig({ top: 'current-context: y' }), says: 'duplicate key' },
    { reason: 'two documents', text: `${kubeconfig()}\n---\n${kubeconfig()}`, says: 'more than one YAML document' },
    // Every field that runs a command or reads a host file.
    {
      reason: 'exec',
      text: kubeconfig({ user: '    exec: {command: /bin/sh, apiVersion: client.authentication.k8s.io/v1}' }),
      says: 'field "exec" at users[0].user, which runs a command',
    },
    { reason: 'auth-provider', text: kubeconfig({ user: '    auth-provider: {name: gcp}' }), says: 'field "auth-provider"' },
    { reason: 'token-file', text: kubeconfig({ user: '    token-file: /etc/shadow' }), says: 'field "token-file"' },
    { reason: 'tokenFile', text: kubeconfig({ user: '    tokenFile: /etc/shadow' }), says: 'field "tokenFile"' },
    { reason: 'client-certificate', text: kubeconfig({ user: '    client-certificate: /etc/k.crt' }), says: 'embed client-certificate-data instead' },
    { reason: 'client-key', text: kubeconfig({ user: '    client-key: /etc/k.key' }), says: 'embed client-key-data instead' },
    {
      reason: 'certificate-authority',
      text: kubeconfig({ cluster: '    certificate-authority: /etc/ca.crt' }),
      says: 'embed certificate-authority-data instead',
    },
    {
      reason: 'impersonation is not supported',
      text: kubeconfig({ user: '    token: t\n    as: admin' }),
      says: 'field "as" at users[0].user, which KubeNova does not support',
    },
    { reason: 'a field outside the schema', text: kubeconfig({ cluster: '    surprise: 1' }), says: 'a field KubeNova does not accept at clusters[0].cluster' },
    { reason: 'an unknown top-level field', text: kubeconfig({ top: 'whatever: {exec: x}' }), says: 'a field KubeNova does not accept' },
    // Values that would break an HTTP request later on.
    { reason: 'a token with a newline', text: kubeconfig({ user: '    token: "a\\nb"' }), says: 'wrong form at users[0].user.token' },
    { reason: 'a server that is not https', text: kubeconfig().replace('https://10.0.0.1:6443', 'ftp://127.0.0.1:21'), says: 'not an https:// URL' },
    { reason: 'a plain-http server', text: kubeconfig().replace('https://10.0.0.1:6443', 'http://127.0.0.1:8080'), says: 'not an https:// URL' },
    { reason: 'credentials in the server URL', text: kubeconfig().replace('https://', 'https://probe:probe-pass@'), says: 'credentials in it' },
    { reason: 'a server that is not a URL', text: kubeconfig().replace('https://10.0.0.1:6443', 'not a url'), says: 'not a URL' },
    { reason: 'an odd proxy', text: kubeconfig({ cluster: '    proxy-url: file:///etc/passwd' }), says: 'proxy-url' },
    // Structure.
    { reason: 'not YAML', text: 'clusters: [', says: 'is not YAML' },
    { reason: 'a scalar', text: 'hello', says: 'is not a kubeconfig document' },
    { reason: 'a missing current context', text: kubeconfig().replace('current-context: x', 'current-context: y'), says: 'does not define' },
    { reason: 'a missing user', text: kubeconfig().replace('    user: u', '    user: v'), says: "current context's user" },
    { reason: 'a number where text belongs', text: kubeconfig({ user: '    token: 12345' }), says: 'wrong type or size at users[0].user.token' },
  ];
  it.each(refused)('refuses $reason', ({ text, says }) => {
    expect(problemOf(text)).toContain(says);
    expect(() => loadKubeconfig(text)).toThrow(says);
  });

  it('never quotes a value in its reason', () => {
    for (const { text } of refused) {
      const problem = problemOf(text) ?? '';
      for (const secret of ['/etc/shadow', '/bin/touch', 'probe-pass', 'TOKEN', '/etc/passwd', 'admin']) expect(problem).not.toContain(secret);
    }
  });

  it('accepts inline credentials, and the client sees exactly the checked fields', () => {
    const text = kubeconfig({
      cluster: '    certificate-authority-data: Zm9v\n    tls-server-name: api.local',
      user: '    client-certificate-data: Zm9v\n    client-key-data: YmFy',
    });
    expect(problemOf(text)).toBeUndefined();
    const kc = loadKubeconfig(text);
    expect(kc.getCurrentCluster()).toMatchObject({ server: 'https://10.0.0.1:6443', caData: 'Zm9v', tlsServerName: 'api.local', skipTLSVerify: false });
    expect(kc.getCurrentUser()).toEqual({ name: 'u', certData: 'Zm9v', keyData: 'YmFy', token: undefined, username: undefined, password: undefined });
  });

  it("reads what client-node's exportConfig writes (JSON, with the context's name repeated)", () => {
    const kc = loadKubeconfig(kubeconfig({ user: '    client-certificate-data: Zm9v\n    client-key-data: YmFy' }));
    expect(problemOf(kc.exportConfig())).toBeUndefined();
  });

  it('what other programs are given is written anew from the checked object', () => {
    const text = `# a comment\n${kubeconfig({ user: "    token: 't'" })}`;
    const out = kubeconfigText(readKubeconfig(text));
    expect(out).not.toContain('comment');
    expect(readKubeconfig(out)).toEqual(readKubeconfig(text));
  });

  it('a merge-key exec never runs, even when the client is built (the reported exploit)', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'kn-exec-')), 'ran');
    const text = kubeconfig({ user: `    <<: {exec: {command: /bin/touch, args: ['${marker}'], apiVersion: client.authentication.k8s.io/v1beta1}}` });
    await expect(async () => KubeRest.fromKubeConfig(loadKubeconfig(text))).rejects.toThrow('merge key');
    expect(existsSync(marker)).toBe(false);
  });
});

describe('tokenKubeconfig', () => {
  it('round-trips through the checked reader and client-node, with extensions readable', () => {
    const text = tokenKubeconfig({
      name: 'agent@prod',
      server: 'https://10.0.0.1:6443',
      caData: 'Zm9v',
      token: 'tok',
      extensions: [{ name: 'kubenova.io/agent', extension: { expiresAt: '2030-01-01T00:00:00.000Z' } }],
    });
    const kc = loadKubeconfig(text);
    expect(kc.getCurrentCluster()).toMatchObject({ server: 'https://10.0.0.1:6443', caData: 'Zm9v' });
    expect(kc.getCurrentUser()?.token).toBe('tok');
    expect(kubeconfigExtension(text, 'kubenova.io/agent')).toEqual({ expiresAt: '2030-01-01T00:00:00.000Z' });
  });
});
