import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Contract tests (`npm run test:contract`): the spec against the Prism mock (default) or, with
// CLOSE_API_KEY set, a live API at CLOSE_BASE_URL (a Close sandbox organisation, or the package's own
// sandbox that contract-tests/run-sandbox.ts starts). See the contract-test section of README.md.
const live = Boolean(process.env.CLOSE_API_KEY);

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['contract-tests/**/*.test.ts'],
    globalSetup: ['contract-tests/global-setup.ts'],
    environment: 'node',
    // One file at a time: the live suite is stateful and must stay gentle with the rate limits.
    fileParallelism: false,
    testTimeout: live ? 120_000 : 30_000,
    hookTimeout: live ? 180_000 : 30_000,
  },
});
