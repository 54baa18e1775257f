import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'migrations/**', 'coverage/**', 'web/**/dist/**', 'bench/out/**', 'packages/*/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // Platform code is product-agnostic: it never reaches into modules.
    files: ['src/platform/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/modules/**'], message: 'platform/ must not import modules/' }] }],
    },
  },
  {
    // A module uses another module only through its index.ts.
    files: ['src/modules/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ regex: '^\\.\\./\\.\\./modules/|^\\.\\./(?!\\.)[^/]+/(?!index\\.js$)', message: 'import other modules only through their index.ts' }],
      }],
    },
  },
  {
    // The widget package and the example shop's page script run in browsers.
    files: ['packages/widget/src/**/*.ts', 'examples/widget-shop/shop.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // The SDK runs in browsers too: Web APIs only (fetch, Web Crypto, streams), no Node modules.
    files: ['packages/sdk/src/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^node:', message: 'the SDK runs in browsers: use Web APIs' }] }],
    },
  },
);
