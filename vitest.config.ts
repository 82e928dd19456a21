import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Workspace packages export their TypeScript sources under the "source"
    // condition, so tests run against src/ without a build step.
    conditions: ['source'],
  },
  // Since Vite 6 resolve.conditions applies to the browser environment only;
  // tests run in the SSR one, so the "source" condition is repeated there.
  ssr: { resolve: { conditions: ['source', ...defaultServerConditions] } },
  test: {
    include: ['**/*.test.ts'],
    globalSetup: ['test/setup/build-core.ts', 'test/setup/compile-contracts.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
