// Lint rules, run by `npm run lint` (part of `npm test`): typescript-eslint's recommended rules
// with type information (floating promises, awaited non-promises, misused promises...), and the
// one boundary a dependency check cannot see: only src/adapters names an upstream engine's API
// groups (Capsule, KubeVela), so replacing an engine touches one folder.
import tseslint from 'typescript-eslint';

const UPSTREAM_GROUPS = '/(capsule\\.clastix\\.io|projectcapsule\\.dev|oam\\.dev)/';
const UPSTREAM_MESSAGE = 'Capsule and KubeVela API groups and fields are named only under src/adapters; add what you need to the adapter.';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'console/**', 'test-artifacts/**', '**/*.d.ts'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Vitest's asymmetric matchers (expect.any, expect.stringContaining, expect.objectContaining...)
    // are typed `any` by design so they fit any field of an expected value: no-unsafe-assignment
    // flags every one placed in an expected object. Parsed JSON in tests is still given types, and
    // the other no-unsafe-* rules stay on wherever such a value is used.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/adapters/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: `Literal[value=${UPSTREAM_GROUPS}]`, message: UPSTREAM_MESSAGE },
        { selector: `TemplateElement[value.raw=${UPSTREAM_GROUPS}]`, message: UPSTREAM_MESSAGE },
      ],
    },
  },
);
