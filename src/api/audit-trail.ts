// The audit trail: one append-only record per API write and per refused request (401/403, reads
// included). It names who, with which roles, did what to which object, how it ended and from
// where; never a body, a header or a token, so nothing secret (a cluster's kubeconfig, an issued
// token) can reach it. A write of an object appends its record in the object's own transaction
// (`auditInWrite`): what was acknowledged is always audited, even if the process dies right
// after. Every other request is audited after its response went out (never on its path).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from '../observability/logger.js';
import type { AuditLog, NewAuditRecord } from '../store/types.js';
import { targetName } from './custom-methods.js';

const NAME = /^[a-z0-9]([-a-z0-9]{0,251}[a-z0-9])?$/;

/** Whether a finished request is audited: writes (anything but GET/HEAD) and refusals. */
export function audited(method: string, status: number): boolean {
  return (method !== 'GET' && method !== 'HEAD') || status === 401 || status === 403;
}

/** The object a request acted on, from its route (never from anything secret). */
function objectOf(req: FastifyRequest): Pick<NewAuditRecord, 'kind' | 'name' | 'tenant'> {
  const access = req.routeOptions.config.access;
  const out: Pick<NewAuditRecord, 'kind' | 'name' | 'tenant'> = {};
  if (!access || !('kind' in access)) return out;
  out.kind = access.kind;
  const params = (req.params ?? {}) as { name?: string; target?: string };
  // A create names the new object in its body (the URL of a nested create names the parent).
  const body = req.body as { name?: unknown } | undefined;
  const name = access.verb === 'create' ? body?.name : (params.name ?? (params.target !== undefined ? targetName(params.target) : undefined));
  if (typeof name === 'string' && NAME.test(name)) out.name = name;
  const tenant = req.logContext?.tenant;
  if (tenant !== undefined) out.tenant = tenant;
  return out;
}

/** The record of `req` answered with `status`. */
function auditRecord(req: FastifyRequest, status: number): NewAuditRecord {
  const access = req.routeOptions.config.access!;
  return {
    actor: req.principal?.subject ?? 'anonymous',
    roles: [...(req.principal?.roles ?? [])],
    action: 'kind' in access ? access.verb : access.operation,
    ...objectOf(req),
    outcome: status >= 400 ? 'failed' : status === 202 ? 'initiated' : 'succeeded',
    status,
    ...(status >= 400 && req.errorCode && { reason: req.errorCode }),
    requestId: req.id,
    ...(req.logContext?.clientRequestId !== undefined && { clientRequestId: req.logContext.clientRequestId }),
    clientIp: req.ip,
  };
}

/** The audit record of `req` for the store to append in the transaction of its write, which will
 *  be answered with `status`; the response hook then appends no second one. */
export function auditInWrite(req: FastifyRequest, status: number): NewAuditRecord {
  req.auditedStatus = status;
  return auditRecord(req, status);
}

export function registerAuditTrail(app: FastifyInstance, audit: AuditLog, logger: Logger): void {
  app.addHook('onResponse', async (req, reply) => {
    const access = req.routeOptions.config.access;
    const status = reply.statusCode;
    if (!access || !audited(req.method, status)) return;
    // Audited with its write; a request that then ended otherwise is audited as it ended.
    if (req.auditedStatus === status) return;
    try {
      await audit.append(auditRecord(req, status));
    } catch (err) {
      logger.error({ err, request_id: req.id }, 'writing the audit record failed');
    }
  });
}
