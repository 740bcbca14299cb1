import { defineConfig } from 'vitest/config';

// Tests, and the processes they start, import rnnc's TypeScript source (the package's
// `rnnc-source` condition), never a dist/ build that may be stale; test/e2e/package.test.ts
// tests a fresh build.
const conditions = ['rnnc-source'];

export default defineConfig({
  // Vite's default server conditions, with ours first.
  ssr: { resolve: { conditions: [...conditions, 'module', 'node', 'development|production'] } },
  test: {
    include: ['test/**/*.test.ts'],
    // Generous: end-to-end tests run the CLI many times, and a shared 2-core machine can be 10× slower than idle.
    testTimeout: 180_000,
    env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${conditions.map((c) => `--conditions=${c}`).join(' ')}`.trim() },
  },
});
