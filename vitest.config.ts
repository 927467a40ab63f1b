import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS and ESM builds; libraries loaded by Node get the CJS one, so our
    // sources must too, or `instanceof GraphQLError` fails across the two copies.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['packages/**/*.test.ts', 'gateway/**/*.test.ts', 'subgraphs/**/*.test.ts', 'console/**/*.test.ts', 'e2e/**/*.test.ts'],
    globalSetup: ['e2e/global-setup.ts'],
    exclude: ['**/node_modules/**', 'data/**', 'console/dist/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
