import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A PEM certificate and its PEM private key, as files. */
export interface CertFiles {
  certFile: string;
  keyFile: string;
}

export type CertificateAuthority = CertFiles;

export interface LeafSpec {
  /** Base name of the .crt/.key files in the PKI dir. */
  fileName: string;
  commonName: string;
  /** Subject O= entries; for client certs Kubernetes reads these as groups. */
  organizations?: readonly string[];
  /** Serving certs: DNS and IP SANs. */
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
  usage: 'server' | 'client';
}

// EC P-256 keys: generated in milliseconds, accepted by Go's TLS stack and by Node.
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function openssl(args: readonly string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr.trim() || String(err)}`);
  }
}

function subject(commonName: string, organizations: readonly string[] = []): string {
  // openssl -subj syntax; '/' and '\' would need escaping, none of our names use them.
  const parts = [...organizations.map((o) => `O=${o}`), `CN=${commonName}`];
  for (const part of parts) if (/[/\\]/.test(part)) throw new Error(`unsupported character in subject part ${part}`);
  return `/${parts.join('/')}`;
}

export async function createCertificateAuthority(dir: string, commonName: string): Promise<CertificateAuthority> {
  const files = { certFile: join(dir, 'ca.crt'), keyFile: join(dir, 'ca.key') };
  await openssl([
    'req',
    '-x509',
    '-new',
    ...EC_KEY,
    '-days',
    '3650',
    '-keyout',
    files.keyFile,
    '-out',
    files.certFile,
    '-subj',
    subject(commonName),
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return files;
}

/** Issues a leaf certificate signed by `ca` (OpenSSL 3 `req -x509 -CA` signs in one step). */
export async function issueCertificate(ca: CertificateAuthority, dir: string, spec: LeafSpec): Promise<CertFiles> {
  const files = { certFile: join(dir, `${spec.fileName}.crt`), keyFile: join(dir, `${spec.fileName}.key`) };
  const sans = [...(spec.dnsNames ?? []).map((n) => `DNS:${n}`), ...(spec.ipAddresses ?? []).map((ip) => `IP:${ip}`)];
  await openssl([
    'req',
    '-x509',
    '-new',
    ...EC_KEY,
    '-days',
    '365',
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-keyout',
    files.keyFile,
    '-out',
    files.certFile,
    '-subj',
    subject(spec.commonName, spec.organizations),
    '-addext',
    'basicConstraints=critical,CA:FALSE',
    '-addext',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    '-addext',
    `extendedKeyUsage=${spec.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
    ...(sans.length > 0 ? ['-addext', `subjectAltName=${sans.join(',')}`] : []),
  ]);
  return files;
}

export interface SigningKeyPair {
  privateKeyFile: string;
  publicKeyFile: string;
}

/** RSA key pair for ServiceAccount token signing (RS256, what every token consumer supports). */
export async function createSigningKeyPair(dir: string, fileName: string): Promise<SigningKeyPair> {
  const files = { privateKeyFile: join(dir, `${fileName}.key`), publicKeyFile: join(dir, `${fileName}.pub`) };
  await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', files.privateKeyFile]);
  await openssl(['pkey', '-in', files.privateKeyFile, '-pubout', '-out', files.publicKeyFile]);
  return files;
}

export async function readBase64(file: string): Promise<string> {
  return (await readFile(file)).toString('base64');
}
