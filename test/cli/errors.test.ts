import { describe, expect, it } from 'vitest';
import { ApiError, CliError, describeError, EXIT, ReportedError, usageError } from '../../src/cli/errors.js';

describe('describeError', () => {
  const cases: Array<{ status: number; exit: number; reason: string }> = [
    { status: 400, exit: EXIT.general, reason: 'validation errors are general failures' },
    { status: 401, exit: EXIT.auth, reason: 'unauthenticated' },
    { status: 403, exit: EXIT.auth, reason: 'forbidden' },
    { status: 404, exit: EXIT.notFound, reason: 'not found' },
    { status: 409, exit: EXIT.general, reason: 'conflict' },
    { status: 422, exit: EXIT.general, reason: 'incompatible intent' },
    { status: 500, exit: EXIT.general, reason: 'server error' },
  ];
  it.each(cases)('HTTP $status → exit $exit ($reason)', ({ status, exit }) => {
    expect(describeError(new ApiError(status, 'X', 'm')).exitCode).toBe(exit);
  });

  it('prints the server code, message, details and request id', () => {
    const err = new ApiError(
      400,
      'VALIDATION_FAILED',
      'body is invalid',
      [{ field: 'body/spec/owners', reason: 'must be array' }, { path: '/name', message: 'too long' }, 'plain'],
      'req-1',
    );
    expect(describeError(err).text).toBe(
      'Error from server (VALIDATION_FAILED): body is invalid\n  - body/spec/owners: must be array\n  - /name: too long\n  - plain\n  request id: req-1',
    );
    expect(describeError(new ApiError(422, 'CAPABILITY_MISSING', 'no vela', { cluster: 'a', missing: ['WorkflowRun'] })).text).toBe(
      'Error from server (CAPABILITY_MISSING): no vela\n  cluster: a\n  missing: ["WorkflowRun"]',
    );
  });

  it('prints CLI errors with their own exit codes', () => {
    expect(describeError(usageError('bad flag'))).toEqual({ text: 'error: bad flag', exitCode: EXIT.usage });
    expect(describeError(new CliError('x', EXIT.auth))).toEqual({ text: 'error: x', exitCode: EXIT.auth });
    expect(describeError(new Error('boom'))).toEqual({ text: 'error: boom', exitCode: EXIT.general });
  });

  it('keeps only the exit code of errors already printed', () => {
    expect(describeError(new ReportedError(new ApiError(404, 'NOT_FOUND', 'x')))).toEqual({ text: '', exitCode: EXIT.notFound });
  });
});
