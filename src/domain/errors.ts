// Failures the engine reports in the domain's own terms. Only src/api turns them into HTTP
// statuses and error bodies (api/errors.ts), so the orchestrator never speaks HTTP.

/** Why an operation the engine was asked to do cannot be done: the request cannot be carried out
 *  as given (`unprocessable`), a precondition of the platform is missing (`proxy-not-configured`),
 *  or a cluster did not take the change (`cluster-unavailable`). */
export type DomainFailure = 'unprocessable' | 'proxy-not-configured' | 'cluster-unavailable';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly failure: DomainFailure,
    message: string,
  ) {
    super(message);
  }
}
