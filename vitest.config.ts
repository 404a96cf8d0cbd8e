import { defineConfig } from 'vitest/config';

// Unit, spec and client tests. The contract tests have their own config
// (contract-tests/vitest.config.ts, `npm run test:contract`) and are not run here.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['contract-tests/**', 'node_modules/**', 'dist/**'],
    environment: 'node',
  },
});
