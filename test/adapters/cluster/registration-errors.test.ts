// Registration pointed at something that is not a Kubernetes API server (the "port scanner"
// case): the error says what failed in KubeNova's own words, and relays nothing the target said,
// no credential and no local path.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterRegistrationError, registerCluster } from '../../../src/adapters/cluster/registration.js';
import { createCertificateAuthority, issueCertificate } from '../../../tools/testenv/src/pki.js';

const PAGE = 'INTERNAL-ADMIN-PANEL root:x:0:0';
let dir: string;
let server: Server;
let caData: string;
let url: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kn-scan-'));
  const ca = await createCertificateAuthority(dir, 'scan-ca');
  const leaf = await issueCertificate(ca, dir, { fileName: 'srv', commonName: 'srv', ipAddresses: ['127.0.0.1'], usage: 'server' });
  caData = (await readFile(ca.certFile)).toString('base64');
  server = createServer({ cert: await readFile(leaf.certFile), key: await readFile(leaf.keyFile) }, (req, res) => {
    // Some other service: HTML for one path, its own JSON for the rest.
    if (req.url === '/version') res.writeHead(500, { 'content-type': 'text/html' }).end(`<html>${PAGE}</html>`);
    else res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: PAGE }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.close();
  await rm(dir, { recursive: true, force: true });
});

const kubeconfig = (server: string, user = '    token: scanner-token') =>
  Buffer.from(
    [
      'apiVersion: v1',
      'clusters:',
      '- name: c',
      '  cluster:',
      `    server: ${server}`,
      `    certificate-authority-data: ${caData}`,
      'users:',
      '- name: u',
      '  user:',
      user,
      'contexts:',
      '- name: x',
      '  context: {cluster: c, user: u}',
      'current-context: x',
      '',
    ].join('\n'),
  );

describe('registration errors relay nothing of the target', () => {
  it("a service that is not a Kubernetes API server: KubeNova's words, not the service's page", async () => {
    const err = await registerCluster('scan', kubeconfig(url), { timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterRegistrationError);
    const message = (err as Error).message;
    expect(message).toContain('HTTP 500 (the answer is not a Kubernetes Status)');
    expect(message).not.toContain('INTERNAL-ADMIN-PANEL');
    expect(message).not.toContain('scanner-token');
  });

  it('credentials in the server URL are refused before any connection, and not echoed', async () => {
    const err = await registerCluster('scan', kubeconfig(url.replace('https://', 'https://probe:probe-pass@'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterRegistrationError);
    expect((err as Error).message).toContain('credentials in it');
    expect((err as Error).message).not.toContain('probe-pass');
  });

  it('a file reference is refused without naming the path', async () => {
    const err = await registerCluster('scan', kubeconfig(url, '    token-file: /nonexistent/secret')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterRegistrationError);
    expect((err as Error).message).toContain('"token-file"');
    expect((err as Error).message).not.toContain('/nonexistent');
  });
});
