// Platform administration, beside the resource routes: `POST /api/v1/admin/keys:rotate` adopts
// the keyring file as it is now and re-wraps every secret under its active key, while the API
// keeps serving (see store/key-rotation.ts).
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { KeyringError } from '../security/keyring.js';
import type { Store } from '../store/types.js';
import { ApiError } from './errors.js';
import { API_PREFIX } from './resource-routes.js';
import { Strict } from '../domain/schema.js';
import { responses } from './schemas/responses.js';

const KeyRotation = Strict(
  {
    activeKeyId: Type.String({ description: 'The key new secrets are written under, and every secret now is.' }),
    rewrapped: Type.Integer({ minimum: 0, description: 'Secrets this rotation re-wrapped.' }),
  },
  { title: 'KeyRotation' },
);

export function registerAdminRoutes(app: FastifyInstance, store: Store): void {
  app.post(
    // `::` is a literal ':' for the router.
    `${API_PREFIX}/admin/keys::rotate`,
    {
      config: { access: { operation: 'rotate-keys' } },
      schema: {
        operationId: 'rotateKeys',
        summary: 'Rotate the envelope-encryption keys',
        description:
          'Re-reads the keyring file (KUBENOVA_KEYRING_FILE, or keyring.json in the data directory) and re-wraps every ' +
          'stored secret under its active key. To rotate: add a new key to the file and make it active, call this, then ' +
          'remove the old key and call this again. Reads and writes go on meanwhile.',
        tags: ['admin'],
        body: Strict({}),
        response: responses({ 200: KeyRotation }, [400, 401, 403, 415, 422, 503]),
      },
    },
    async (req) => {
      try {
        const rotation = await store.rotateKeys();
        req.log.info(rotation, 'keys rotated');
        return rotation;
      } catch (err) {
        // Reading the file failed or was refused: nothing changed. A key missing while re-wrapping
        // (UNKNOWN_KEY) is a keyring problem too, reported as one.
        if (err instanceof KeyringError) {
          const unchanged = err.code === 'UNKNOWN_KEY' ? '' : '; the keys in force are unchanged';
          // The file's path stays in the server's log, not in the answer.
          req.log.warn({ err }, 'key rotation refused: keyring invalid');
          throw new ApiError('KEYRING_INVALID', `the keyring file is refused: ${err.detail}${unchanged}`);
        }
        throw err;
      }
    },
  );
}
