// @ts-check
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/**
 * Layering (docs/ARCHITECTURE.md): imports point downward only. Each zone's message says what
 * that folder may import instead, so a violation explains the fix.
 */
const layer = (files, patterns, message) => ({
  files,
  ignores: ['**/*.test.ts', '**/*.test.tsx'],
  rules: {
    'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
  },
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'dist/**', 'bench/results/**', '.tmp/**', 'eslint.config.js', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      eqeqeq: ['error', 'always'],
      curly: ['error', 'all'],
      'no-console': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  layer(
    ['src/domain/**'],
    ['**/db/**', '**/services/**', '**/api/**', '**/cli/**', 'fastify', 'fastify-*', 'kysely', 'kysely/*', 'pg', '@electric-sql/*', 'node:*'],
    'domain/ is pure licensing rules: it may import only domain/ and contracts/ (pure zod schemas of file formats), no database, HTTP or I/O.',
  ),
  layer(
    ['src/contracts/**'],
    ['**/domain/**', '**/db/**', '**/services/**', '**/api/**', 'node:*', 'fastify', 'kysely'],
    'contracts/ are wire schemas: they may import only zod and other contracts/ files.',
  ),
  layer(
    ['src/db/**'],
    ['**/services/**', '**/api/**', '**/contracts/**', '**/cli/**', 'fastify', 'fastify-*'],
    'db/ holds SQL only: it may import domain/ (types, ids, errors), kysely and the drivers.',
  ),
  layer(
    ['src/services/**'],
    ['**/api/**', '**/contracts/**', '**/cli/**', 'fastify', 'fastify-*'],
    'services/ are use cases: they may import domain/ and db/ (repositories), never HTTP.',
  ),
  layer(
    ['src/api/**'],
    ['**/db/**', '**/cli/**', 'kysely', 'kysely/*', 'pg', '@electric-sql/*'],
    'api/ routes are adapters: call a service (services/), never the database layer (db/) directly.',
  ),
  layer(
    ['src/client/**'],
    ['**/domain/**', '**/db/**', '**/services/**', '**/api/**', '**/web/**', '**/cli/**', 'node:*', 'fastify', 'fastify-*', 'kysely', 'react', 'react-dom', '@fluentui/*'],
    'client/ is the typed fetch client over the API: it may import only contracts/ (types) and other client/ files; it runs in browsers and Node alike.',
  ),
  layer(
    ['src/web/**'],
    ['**/domain/**', '**/db/**', '**/services/**', '**/api/**', '**/cli/**', 'node:*', 'fastify', 'fastify-*', 'kysely', 'kysely/*', 'pg', '@electric-sql/*'],
    'web/ is the admin center in the browser: it may import client/ (the API client), contracts/ (types), React and Fluent UI; it talks to the server only through the API.',
  ),
  {
    files: ['src/web/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat['recommended-latest'],
  },
  {
    files: ['src/main.ts', 'tests/**', 'bench/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.test.ts', 'tests/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
