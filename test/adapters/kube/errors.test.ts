import { describe, expect, it } from 'vitest';
import { errorFromStatus, errorFromTransport, isConnectionError, parseAdmissionDenial } from '../../../src/adapters/kube/errors.js';

const status = (code: number, reason: string, message: string) => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });

describe('errorFromStatus', () => {
  const cases: Array<{ reason: string; code: number; body: unknown; expected: string; admission?: { webhook: string; message: string } }> = [
    {
      reason: "Capsule's namespace quota: the webhook denies with 403 Forbidden",
      code: 403,
      body: status(
        403,
        'Forbidden',
        'namespaces "acme-3" is forbidden: admission webhook "namespaces.validating.projectcapsule.dev" denied the request: Cannot exceed Namespace quota: please, reach out to the system administrators',
      ),
      expected: 'AdmissionDenied',
      admission: {
        webhook: 'namespaces.validating.projectcapsule.dev',
        message: 'Cannot exceed Namespace quota: please, reach out to the system administrators',
      },
    },
    {
      reason: 'Capsule answers some denials as 500 (InternalError) and the message still names the webhook',
      code: 500,
      body: status(
        500,
        'InternalError',
        'Internal error occurred: admission webhook "namespaces.validating.projectcapsule.dev" denied the request: namespace has tenant label "acme" but no Tenant ownerReference',
      ),
      expected: 'AdmissionDenied',
      admission: { webhook: 'namespaces.validating.projectcapsule.dev', message: 'namespace has tenant label "acme" but no Tenant ownerReference' },
    },
    {
      reason: 'tenant resolution errors come back as 400',
      code: 400,
      body: status(
        400,
        'BadRequest',
        'admission webhook "namespaces.mutating.projectcapsule.dev" denied the request: can not assign the desired namespace to a non-owned Tenant',
      ),
      expected: 'AdmissionDenied',
      admission: { webhook: 'namespaces.mutating.projectcapsule.dev', message: 'can not assign the desired namespace to a non-owned Tenant' },
    },
    {
      reason: 'a webhook denying without a message',
      code: 403,
      body: status(403, 'Forbidden', 'pods "p" is forbidden: admission webhook "x.example.com" denied the request without explanation'),
      expected: 'AdmissionDenied',
      admission: { webhook: 'x.example.com', message: 'denied without explanation' },
    },
    {
      reason: 'ValidatingAdmissionPolicy with a binding (reason Invalid → 422)',
      code: 422,
      body: status(
        422,
        'Invalid',
        "deployments.apps \"web\" is forbidden: ValidatingAdmissionPolicy 'kubenova-registries' with binding 'kubenova-registries-acme' denied request: image registry not allowed",
      ),
      expected: 'AdmissionDenied',
      admission: { webhook: 'kubenova-registries', message: 'image registry not allowed' },
    },
    {
      reason: 'ValidatingAdmissionPolicy without a binding name',
      code: 403,
      body: status(403, 'Forbidden', 'pods "p" is forbidden: ValidatingAdmissionPolicy \'pss\' denied request: privileged'),
      expected: 'AdmissionDenied',
      admission: { webhook: 'pss', message: 'privileged' },
    },
    {
      reason: 'RBAC refusal: 403 without a webhook',
      code: 403,
      body: status(403, 'Forbidden', 'namespaces is forbidden: User "bob" cannot list resource "namespaces"'),
      expected: 'Forbidden',
    },
    { reason: 'credential rejected', code: 401, body: status(401, 'Unauthorized', 'Unauthorized'), expected: 'Unauthorized' },
    { reason: 'object not found', code: 404, body: status(404, 'NotFound', 'namespaces "x" not found'), expected: 'NotFound' },
    { reason: 'already exists', code: 409, body: status(409, 'AlreadyExists', 'namespaces "x" already exists'), expected: 'Conflict' },
    { reason: 'field validation', code: 422, body: status(422, 'Invalid', 'Namespace "Bad" is invalid: metadata.name: Invalid value'), expected: 'Invalid' },
    {
      reason: 'an unreachable webhook is not a denial',
      code: 500,
      body: status(
        500,
        'InternalError',
        'Internal error occurred: failed calling webhook "namespaces.validating.projectcapsule.dev": failed to call webhook: connection refused',
      ),
      expected: 'Unknown',
    },
    { reason: 'a non-Status body (proxy error page) is not relayed', code: 502, body: 'Bad Gateway <secret page>', expected: 'Unknown' },
    { reason: "another service's JSON message is not relayed", code: 404, body: { message: 'internal admin panel' }, expected: 'NotFound' },
  ];
  it.each(cases)('$reason', ({ code, body, expected, admission }) => {
    const err = errorFromStatus(code, body, 'POST /api/v1/namespaces');
    expect(err.reason).toBe(expected);
    expect(err.status).toBe(code);
    expect(err.admission).toEqual(admission);
    const relayed = (body as { kind?: string }).kind === 'Status';
    expect(err.message).toBe(
      relayed ? (body as { message: string }).message : 'POST /api/v1/namespaces: HTTP ' + code + ' (the answer is not a Kubernetes Status)',
    );
  });

  it('names the request when the answer has no body', () => {
    expect(errorFromStatus(503, undefined, 'GET /version').message).toBe('GET /version: HTTP 503');
  });
});

describe('parseAdmissionDenial', () => {
  it('keeps a multi-line message whole', () => {
    expect(parseAdmissionDenial('admission webhook "w" denied the request: line one\nline two')).toEqual({ webhook: 'w', message: 'line one\nline two' });
  });
  it('finds nothing in other messages', () => {
    expect(parseAdmissionDenial('namespaces "x" not found')).toBeUndefined();
  });
});

describe('errorFromTransport', () => {
  const cases = [
    {
      reason: 'nothing listens on the port',
      err: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      says: 'connection refused (ECONNREFUSED)',
    },
    { reason: 'DNS', err: Object.assign(new Error('getaddrinfo ENOTFOUND nope.invalid'), { code: 'ENOTFOUND' }), says: 'host name not found (DNS)' },
    { reason: 'connection reset mid-request', err: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), says: 'connection reset' },
    {
      reason: 'a CA that does not match the server certificate',
      err: Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }),
      says: 'TLS verification failed (UNABLE_TO_VERIFY_LEAF_SIGNATURE); check the certificate-authority data',
    },
    {
      reason: 'a self-signed server certificate',
      err: Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
      says: 'TLS verification failed',
    },
  ];
  it.each(cases)('$reason → Unreachable', ({ err, says }) => {
    expect(isConnectionError(err)).toBe(true);
    const e = errorFromTransport(err, 'https://10.0.0.1:6443');
    expect(e.reason).toBe('Unreachable');
    expect(e.message).toContain('cannot reach https://10.0.0.1:6443: ');
    expect(e.message).toContain(says);
  });

  it("never relays the error's own text (peer certificate names, local paths)", () => {
    const err = Object.assign(new Error("Hostname/IP does not match certificate's altnames: DNS:internal.corp"), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(errorFromTransport(err, 'https://10.0.0.1:6443').message).not.toContain('internal.corp');
    const odd = Object.assign(new Error("ENOENT: no such file or directory, open '/nonexistent/ca.crt'"), { code: 'ENOENT' });
    expect(errorFromTransport(odd, 'https://10.0.0.1:6443').message).toBe('cannot reach https://10.0.0.1:6443: transport error (ENOENT)');
  });

  it('an error without a socket code is not a connection error', () => {
    expect(isConnectionError(new Error('boom'))).toBe(false);
  });
});
