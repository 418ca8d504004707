// Lint: ESLint's and typescript-eslint's recommended rules, plus the project's conventions
// (named exports, `import type`, no `any`).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['node_modules/', '.build/', '.wrangler/', 'worker-configuration.d.ts', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Named exports only; src/index.ts is the one default export.' }],
    },
  },
  {
    files: ['src/index.ts', '*.config.ts', '*.config.js', 'test/**/global-setup.ts', 'bench/raw-worker.js', 'bench/raw-log-worker.js', 'bench/raw-proxy-worker.js', 'bench/codecs-worker.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
)
