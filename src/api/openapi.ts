// The OpenAPI 3.1 document, generated from the same TypeBox schemas that validate requests,
// served at /openapi.json, with interactive documentation at /docs.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { KIND_DESCRIPTORS } from './kinds/index.js';

export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'KubeNova API',
        version,
        description:
          'One API over many Kubernetes clusters: tenancy through Capsule, delivery through KubeVela. ' +
          'Errors are `{code, message, details}`; objects carry `resourceVersion` (also the ETag) for `If-Match`.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearerAuth: [] }],
      tags: [
        ...KIND_DESCRIPTORS.map((d) => ({ name: d.plural, description: `${d.kind} objects` })),
        { name: 'admin', description: 'Platform administration' },
        { name: 'events', description: 'KubeNova events' },
        { name: 'operations' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PATH });
  app.get(OPENAPI_PATH, { schema: { hide: true } }, () => app.swagger());
}
