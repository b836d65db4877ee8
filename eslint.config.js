// Lint configuration. The layer rules are the point of this file:
// code under machines/ and the protocol folders of src/ (everything but
// src/runtime and src/cli) is pure — no Node built-ins, no drivers, no native code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('_'));

const layerRule = {
  'no-restricted-imports': [
    'error',
    {
      paths: nodeBuiltins.map((name) => ({
        name,
        message: 'Pure layer: no Node built-ins here. Declare a port in src/ports and implement it in drivers/.',
      })),
      patterns: [
        {
          group: ['node:*'],
          message: 'Pure layer: no Node built-ins here. Declare a port in src/ports and implement it in drivers/.',
        },
        {
          group: ['**/drivers/**', '**/drivers', '**/native/**', '**/native'],
          message: 'Pure layer: machines and protocol code reach hardware only through ports injected by src/runtime.',
        },
      ],
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'native/build/**', 'node_modules/**', 'src/exi/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['machines/**/*.ts', 'src/**/*.ts'],
    ignores: ['src/runtime/**', 'src/cli/**'],
    ...{ rules: layerRule },
  },
  {
    files: ['native/**/*.js', 'native/**/*.cjs', 'eslint.config.js'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly' } },
  },
);
