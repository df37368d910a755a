import { existsSync, readdirSync } from 'node:fs';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** The server's features: every folder of src/server with an index.ts (kernel/Feature.ts). */
const features = readdirSync('src/server', { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(`src/server/${entry.name}/index.ts`))
  .map((entry) => entry.name);
const OUTBOUND_MESSAGE =
  'Outbound HTTP goes through src/server/outbound/, which checks every address.';
/** Modules that open outbound HTTP connections: only src/server/outbound/ may import them. */
const httpClients = ['node:https', 'https', 'undici', 'node-fetch', 'axios', 'got'];

/**
 * `no-restricted-imports` for one part of the server: the features it may not import (by a
 * relative path into their folder) and, unless it is the outbound door, the HTTP clients.
 */
function importRule(bannedFeatures, message, { outbound = false } = {}) {
  return [
    'error',
    {
      paths: outbound ? [] : httpClients.map((name) => ({ name, message: OUTBOUND_MESSAGE })),
      patterns:
        bannedFeatures.length === 0
          ? []
          : [{ regex: `^(\\.\\./)+(${bannedFeatures.join('|')})/`, message }],
    },
  ];
}

/** The import rules of each part of the code (docs/architecture.md, "Boundaries"). */
export const boundaries = [
  {
    // The composition root (app.ts, features.ts, main.ts, config.ts) lists the features.
    files: ['src/server/*.ts'],
    rules: { 'no-restricted-imports': importRule([]) },
  },
  {
    // The core — every folder of src/server that is not a feature — names no feature.
    files: ['src/server/*/**/*.ts'],
    ignores: features.map((name) => `src/server/${name}/**`),
    rules: {
      'no-restricted-imports': importRule(
        features,
        'The core names no feature: features plug in through kernel/Feature.ts.',
        { outbound: false },
      ),
    },
  },
  {
    files: ['src/server/outbound/**/*.ts'],
    rules: {
      'no-restricted-imports': importRule(features, 'The core names no feature.', {
        outbound: true,
      }),
    },
  },
  ...features.map((name) => ({
    // A feature reaches another only through the services it provides (`use`), never its files.
    files: [`src/server/${name}/**/*.ts`],
    rules: {
      'no-restricted-imports': importRule(
        features.filter((other) => other !== name),
        `${name} may not import another feature's files: \`use\` the service it provides.`,
      ),
    },
  })),
  {
    files: ['src/server/**/*.ts'],
    ignores: ['src/server/outbound/**', '**/*.test.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'fetch', message: OUTBOUND_MESSAGE }],
    },
  },
  {
    // The web client shares only the protocol with the server.
    files: ['src/web/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+server/',
              message: 'The web client imports only src/protocol from outside src/web.',
            },
          ],
        },
      ],
    },
  },
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'e2e/artifacts/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false } },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['src/web/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    // Tests poke at untyped JSON responses on purpose.
    files: ['**/*.test.ts', 'test/**/*.ts', 'e2e/**/*', 'bench/**/*'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.{js,mjs}'],
    ...tseslint.configs.disableTypeChecked,
  },
  ...boundaries,
  prettier,
);
