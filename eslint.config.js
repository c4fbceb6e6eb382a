// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Layering (docs/ARCHITECTURE.md): imports point downward only. Each zone's message says what
 * that folder may import instead, so a violation explains the fix.
 */
const layer = (files, patterns, message) => ({
  files,
  ignores: ['**/*.test.ts'],
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
