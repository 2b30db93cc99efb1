// Lint config: typescript-eslint's recommended type-aware-free set, over sources and tests.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // The vendored conformance tree holds symlinks to / (proc/26231/root): never walk into it.
  { ignores: ['dist/', 'node_modules/', 'test/fixtures/conformance/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['bin/*.js'], languageOptions: { globals: { process: 'readonly' } } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
);
