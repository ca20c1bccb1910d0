// Lint that earns its place: floating promises (a forgotten await on an activity is a real bug),
// and workflow code that reaches for Node built-ins, which the deterministic sandbox cannot run.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('_'));

export default tseslint.config(
  { ignores: ['node_modules/', '.venv/', '.data/', 'dist/', 'test/histories/', 'models/**/*.py'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'Workflow code is deterministic: no Node built-ins; use an activity.',
          })),
          patterns: [
            { group: ['node:*'], message: 'Workflow code is deterministic: no Node built-ins; use an activity.' },
            {
              group: ['**/activities', '**/activities/*'],
              allowTypeImports: true,
              message: 'Workflows import activities type-only, through proxyActivities.',
            },
            {
              group: ['**/db/*', '**/api/*', 'pg', 'kysely', 'express'],
              message: 'Workflows never touch I/O; use an activity.',
            },
          ],
        },
      ],
    },
  },
  { files: ['**/*.mjs', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', exports: 'writable', require: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
