// Tenant usage: quotas used vs hard per cluster and in total (`GET /tenants/{name}/usage`), a
// project's share (`GET /projects/{name}/usage`), samples for trends (`.../usage/history`) and a
// showback report (`GET /usage?groupBy=tenant`, JSON or CSV). Everything is read from the store,
// where the usage tracker keeps what the clusters' watches report: no request reaches a cluster.
// Tenant users see their own tenants only; another tenant is a 404 like a missing one.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { ProjectSpec } from '../domain/kinds/project.js';
import {
  namespaceUsageView,
  pricesFor,
  showbackByTenant,
  showbackCsv,
  showbackLine,
  tenantUsageView,
  onPlacedClusters,
  usageByCluster,
  ZERO_PRICES,
  QUOTA_PRESSURE,
  type PriceTable,
} from '../domain/usage.js';
import { inScope } from '../security/authorization.js';
import { listAll } from '../store/paging.js';
import type { Store } from '../store/types.js';
import { ApiError } from './errors.js';
import { API_PREFIX } from './resource-routes.js';
import { Name, Strict } from '../domain/schema.js';
import { READ_ERRORS, responses } from './schemas/responses.js';
import { parseTimestamp, TIME_REASON } from './timestamps.js';

export interface UsageRouteOptions {
  /** Unit prices of the showback report (default: all zero). */
  prices?: PriceTable;
}

const Figure = Strict({
  hard: Type.String({ description: 'Kubernetes quantity, as the cluster reports it.' }),
  used: Type.String(),
  hardValue: Type.Number({ description: 'Cores for cpu, bytes for memory and storage, a count otherwise.' }),
  usedValue: Type.Number(),
  fraction: Type.Number({ description: 'used / hard.' }),
});
const Figures = Type.Record(Type.String(), Figure);

const TenantUsage = Strict(
  {
    tenant: Type.String(),
    clusters: Type.Record(Type.String(), Figures, { description: 'Per cluster, per resource (ResourceQuota names: namespaces, pods, requests.cpu, ...).' }),
    total: Figures,
    updatedAt: Type.Optional(Type.String({ format: 'date-time', description: 'When a cluster last reported a change.' })),
    quotaPressure: Type.Optional(Type.String({ description: "The QuotaPressure condition's message, while a warning level is reached." })),
  },
  { title: 'TenantUsage' },
);

const ProjectUsage = Strict(
  {
    project: Type.String(),
    tenant: Type.String(),
    clusters: Type.Record(Type.String(), Type.Record(Type.String(), Strict({ used: Type.String(), usedValue: Type.Number() }))),
  },
  { title: 'ProjectUsage' },
);

const Sample = Strict({ at: Type.String({ format: 'date-time' }), cluster: Type.String(), resource: Type.String(), hard: Type.Number(), used: Type.Number() });
const UsageHistory = Strict({ tenant: Type.String(), items: Type.Array(Sample) }, { title: 'UsageHistory' });

const Line = Strict({
  tenant: Type.String(),
  cluster: Type.String(),
  cpuCores: Type.Number(),
  memoryGiB: Type.Number(),
  storageGiB: Type.Number(),
  costPerHour: Type.Number(),
});
const Showback = Strict(
  {
    groupBy: Type.Literal('tenant'),
    prices: Type.Record(Type.String(), Strict({ cpu: Type.Number(), memoryGiB: Type.Number(), storageGiB: Type.Number() }), {
      description: 'Unit prices per hour used for each cluster listed.',
    }),
    items: Type.Array(
      Strict({
        tenant: Type.String(),
        cpuCores: Type.Number(),
        memoryGiB: Type.Number(),
        storageGiB: Type.Number(),
        costPerHour: Type.Number(),
        clusters: Type.Array(Line),
      }),
    ),
  },
  { title: 'Showback' },
);

const NameParams = Strict({ name: Name });
const HistoryQuery = Strict({
  since: Type.Optional(Type.String({ maxLength: 64, description: 'RFC 3339 time; default: the last 24 hours.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 2000 })),
});
const ShowbackQuery = Strict({
  groupBy: Type.Optional(Type.Literal('tenant', { default: 'tenant' })),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { description: 'Default: from Accept (text/csv), else json.' })),
});

const DAY_MS = 24 * 3_600_000;

export function registerUsageRoutes(app: FastifyInstance, store: Store, opts: UsageRouteOptions = {}): void {
  const prices = opts.prices ?? ZERO_PRICES;

  app.get(
    `${API_PREFIX}/tenants/:name/usage`,
    {
      config: { access: { kind: 'Tenant', verb: 'get' } },
      schema: {
        operationId: 'getTenantUsage',
        summary: "A tenant's quotas: hard, used and the fraction per cluster and in total",
        tags: ['Tenant'],
        params: NameParams,
        response: responses({ 200: TenantUsage }, READ_ERRORS),
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const tenant = await req.caller!.require('Tenant', name, 'get');
      const rows = onPlacedClusters(await store.usage.current(name), tenant.status);
      const view = tenantUsageView(usageByCluster(rows));
      const updatedAt = rows
        .map((r) => r.updatedAt)
        .sort()
        .at(-1);
      const pressure = tenant.status.conditions.find((c) => c.type === QUOTA_PRESSURE && c.status === 'True');
      return { tenant: name, ...view, ...(updatedAt && { updatedAt }), ...(pressure && { quotaPressure: pressure.message }) };
    },
  );

  app.get(
    `${API_PREFIX}/projects/:name/usage`,
    {
      config: { access: { kind: 'Project', verb: 'get' } },
      schema: {
        operationId: 'getProjectUsage',
        summary: "What a project's namespace uses of its tenant's quotas, per cluster",
        tags: ['Project'],
        params: NameParams,
        response: responses({ 200: ProjectUsage }, READ_ERRORS),
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const project = await req.caller!.require<ProjectSpec>('Project', name, 'get');
      const tenant = project.spec.tenant;
      const placed = (await store.objects.get('Tenant', tenant))?.status ?? {};
      return { project: name, tenant, clusters: namespaceUsageView(usageByCluster(onPlacedClusters(await store.usage.current(tenant), placed)), name) };
    },
  );

  app.get(
    `${API_PREFIX}/tenants/:name/usage/history`,
    {
      config: { access: { kind: 'Tenant', verb: 'get' } },
      schema: {
        operationId: 'getTenantUsageHistory',
        summary: "Samples of a tenant's usage over time, oldest first",
        tags: ['Tenant'],
        params: NameParams,
        querystring: HistoryQuery,
        response: responses({ 200: UsageHistory }, READ_ERRORS),
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const q = req.query as { since?: string; limit?: number };
      await req.caller!.require('Tenant', name, 'get');
      let since = new Date(Date.now() - DAY_MS).toISOString();
      if (q.since !== undefined) {
        const parsed = parseTimestamp(q.since);
        if (parsed === undefined) throw new ApiError('VALIDATION_FAILED', 'request is invalid', [{ field: 'query/since', reason: TIME_REASON }]);
        since = parsed;
      }
      const items = await store.usage.history(name, since, q.limit ?? 2000);
      return { tenant: name, items: items.map(({ tenant: _t, ...s }) => s) };
    },
  );

  app.get(
    `${API_PREFIX}/usage`,
    {
      config: { access: { kind: 'Tenant', verb: 'list' } },
      schema: {
        operationId: 'getShowback',
        summary: "Showback: each tenant's requested cpu, memory and storage per cluster, priced per hour (JSON or CSV)",
        tags: ['Tenant'],
        querystring: ShowbackQuery,
        response: responses({ 200: Showback }, [400, 401, 403, 503]),
      },
    },
    async (req: FastifyRequest, reply: FastifyReply) => {
      const q = req.query as { format?: 'json' | 'csv' };
      const scope = req.caller!.listScope('Tenant');
      const placed = new Map((await listAll(store.objects, 'Tenant')).map((t) => [t.name, t.status]));
      const byTenant = new Map<string, { cluster: string; usage: Parameters<typeof usageByCluster>[0][number]['usage'] }[]>();
      for (const r of await store.usage.current()) {
        if (!inScope(scope, r.tenant) || !Object.hasOwn(placed.get(r.tenant)?.clusters ?? {}, r.cluster)) continue;
        const list = byTenant.get(r.tenant) ?? [];
        list.push(r);
        byTenant.set(r.tenant, list);
      }
      const lines = [...byTenant].flatMap(([tenant, rows]) =>
        Object.entries(usageByCluster(rows)).map(([cluster, usage]) => showbackLine(tenant, cluster, usage, pricesFor(prices, cluster))),
      );
      const csv = q.format === 'csv' || (q.format === undefined && wantsCsv(req.headers.accept));
      if (csv)
        return reply
          .type('text/csv; charset=utf-8')
          .serializer((s: unknown) => s as string)
          .send(showbackCsv(lines));
      const clusters = [...new Set(lines.map((l) => l.cluster))].sort();
      return { groupBy: 'tenant', prices: Object.fromEntries(clusters.map((c) => [c, pricesFor(prices, c)])), items: showbackByTenant(lines) };
    },
  );
}

/** text/csv preferred over JSON in an Accept header (first listed wins at equal quality). */
function wantsCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((t) => t.trim().split(';')[0]!.toLowerCase());
  const csv = types.indexOf('text/csv');
  const json = types.findIndex((t) => t === 'application/json' || t === '*/*');
  return csv !== -1 && (json === -1 || csv < json);
}
