// The test identity provider (identity-provider-process.ts) for test files: every provider a
// file started is killed after that file, should a test leave one behind.
import { afterAll } from 'vitest';
import { killIdentityProviders } from './identity-provider-process.js';

export * from './identity-provider-process.js';
afterAll(killIdentityProviders);
