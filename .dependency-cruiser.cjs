// The layers' import rules, checked by `npm run lint:deps` (part of `npm test`). Arrows run
// downward: cli / main → api → orchestrator → adapters → kube, with store, observability and
// security beside them and domain at the bottom. No exceptions list: a rule that does not hold
// is fixed in the code.
const layer = (name) => `^src/${name}/`;
// Logging, tracing, log context and metrics are cross-cutting: every layer may use them, and they
// import nothing of the layers. The event recorder and live events sit above the store.
const CROSS_CUTTING = '^src/observability/(logger|tracing|context|metrics)\\.ts$';
const ENGINE_OBSERVABILITY = '^src/observability/(?!(logger|tracing|context|metrics)\\.ts$)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import circles hide which module owns a concept; break them by moving the shared part down.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'domain-is-the-bottom',
      severity: 'error',
      comment: 'src/domain holds kinds, ownership and phases; it imports nothing of the other layers.',
      from: { path: layer('domain') },
      to: { path: '^src/', pathNot: layer('domain') },
    },
    {
      name: 'adapters-do-not-import-up',
      severity: 'error',
      comment: 'Adapters translate intents into upstream objects; they know nothing of the API, the orchestrator or the store.',
      from: { path: layer('adapters') },
      to: { path: ['^src/(api|orchestrator|cli|store)/', ENGINE_OBSERVABILITY, '^src/(config|main)\\.ts$'] },
    },
    {
      name: 'orchestrator-does-not-import-the-api',
      severity: 'error',
      comment: 'Domain errors are mapped to HTTP in src/api only; the orchestrator never sees HTTP.',
      from: { path: layer('orchestrator') },
      to: { path: ['^src/(api|cli)/', '^src/(config|main)\\.ts$'] },
    },
    {
      name: 'store-is-below-the-engine',
      severity: 'error',
      from: { path: layer('store') },
      to: { path: ['^src/(api|orchestrator|adapters|cli)/', ENGINE_OBSERVABILITY, '^src/(config|main)\\.ts$'] },
    },
    {
      name: 'observability-is-below-the-engine',
      severity: 'error',
      from: { path: layer('observability') },
      to: { path: ['^src/(api|orchestrator|adapters|cli)/', '^src/main\\.ts$'] },
    },
    {
      name: 'cross-cutting-imports-no-layer',
      severity: 'error',
      from: { path: CROSS_CUTTING },
      to: { path: '^src/', pathNot: [CROSS_CUTTING, layer('domain')] },
    },
    {
      name: 'security-is-below-the-api',
      severity: 'error',
      from: { path: layer('security') },
      to: { path: ['^src/(api|orchestrator|adapters|cli|observability)/', '^src/main\\.ts$'] },
    },
    {
      name: 'api-does-not-import-the-cli',
      severity: 'error',
      from: { path: layer('api') },
      to: { path: ['^src/cli/', '^src/main\\.ts$'] },
    },
    {
      name: 'cli-talks-http-only',
      severity: 'error',
      comment: 'The CLI is a client of the API: it shares domain types, never server code.',
      from: { path: layer('cli') },
      to: { path: ['^src/(api|orchestrator|adapters|store|observability)/', '^src/main\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|dist)/' },
  },
};
