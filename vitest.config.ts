import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Workspace packages export their TypeScript sources under the "source"
    // condition, so tests run against src/ without a build step.
    conditions: ['source'],
  },
  test: {
    include: ['**/*.test.ts'],
    globalSetup: ['test/setup/build-core.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
