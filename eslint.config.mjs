import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.gen/', 'dist/', 'cdktf.out/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        __filename: 'readonly',
        Buffer: 'readonly',
        console: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-require-imports': 'off',
      'no-console': ['error', { allow: ['error'] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // DESIGN decision 1: lib/core/cdk.ts is the one file that imports cdktf.
    files: ['lib/**/*.ts', 'stacks/**/*.ts', 'examples/**/*.ts', 'main.ts'],
    ignores: ['lib/core/cdk.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'cdktf', message: "Import from lib/core/cdk (the one file that imports 'cdktf')." },
          ],
        },
      ],
    },
  },
  {
    // lib/config is pure: renderers never touch cdktf or constructs.
    files: ['lib/config/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: ['cdktf', 'constructs'], patterns: ['**/core/cdk', '**/openstack/**', '**/docker/**'] },
      ],
    },
  },
  ...[
    // A second backend reuses lib/core, lib/config and lib/hosting; it never reaches into
    // OpenStack (nor into its generated bindings), and the neutral layer into no backend.
    { files: ['lib/docker/**/*.ts'], forbidden: ['**/openstack', '**/openstack/**', '**/.gen/**'] },
    {
      files: ['lib/hosting/**/*.ts'],
      forbidden: ['**/openstack', '**/openstack/**', '**/.gen/**', '**/docker', '**/docker/**'],
    },
  ].map(({ files, forbidden }) => ({
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'cdktf', message: "Import from lib/core/cdk (the one file that imports 'cdktf')." },
          ],
          patterns: [
            { group: forbidden, message: `${files[0].split('/**')[0]} must not import this layer.` },
          ],
        },
      ],
    },
  })),
  {
    files: [
      'scripts/**/*.js',
      'bin/**/*.js',
      'test/support/**/*.js',
      'test/support/quiet.ts',
      'test/support/warnings.ts',
      'jest.config.js',
    ],
    rules: { 'no-console': 'off' },
  },
);
