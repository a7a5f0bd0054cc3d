// Project: one namespace of a tenant, on each of the tenant's clusters. Its spec schema and the
// type derived from it.
import { Type, type Static } from 'typebox';
import { Name, Strict } from '../schema.js';

/** The project spec's fields, as the API validates them. */
export const PROJECT_SPEC = {
  tenant: { ...Name, description: 'The owning tenant; taken from the URL when created under /tenants/{name}/projects.' },
  description: Type.Optional(Type.String({ maxLength: 1024 })),
};

export const ProjectSpecSchema = Strict(PROJECT_SPEC);

/** The project intent as stored. */
export type ProjectSpec = Static<typeof ProjectSpecSchema>;
