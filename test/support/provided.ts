// What the global setups hand to test files through vitest's inject().
import type { ClusterInfo } from './cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
    postgresDataDir: string;
    cluster: ClusterInfo;
  }
}
