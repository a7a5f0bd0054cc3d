// The console's API types (console/src/api/schema.d.ts) are generated from the server's own
// OpenAPI document: this fails when a route or schema changed and the file was not regenerated.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generatedSchema, SCHEMA_FILE } from '../../tools/console/api-types.js';

describe('console API types', () => {
  it('match the server OpenAPI document (else: npm run console:api)', async () => {
    const committed = await readFile(SCHEMA_FILE, 'utf8');
    const fresh = await generatedSchema();
    expect(fresh).toContain('"/api/v1/apps/{name}:rollback"');
    expect(committed === fresh, 'console/src/api/schema.d.ts is stale: run `npm run console:api`').toBe(true);
  });
});
