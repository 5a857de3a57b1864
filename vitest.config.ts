import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default on two cores is one worker; most of the suite waits on DynamoDB Local (its own process)
    // and on real-time local sessions, so two keep both cores busy.
    maxWorkers: 2,
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' },
    projects: [
      // The synthesis tests share one worker's module cache: aws-cdk-lib is imported, and each environment
      // synthesized (test/infra/synth.ts), once per worker instead of once per file. They hold no other state.
      { extends: true, test: { name: 'infra', include: ['test/infra/**/*.test.ts'], isolate: false } },
      // The rest of the suite shares its workers' module caches too: a fresh process per file spent about half of
      // these files' time importing the SDK, Powertools and zod again. No test here changes module state another
      // reads (environment stubs are undone after each test), and they pass in any order (--sequence.shuffle).
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/infra/**', 'test/local/**'], isolate: false } },
      // The local runs start the whole pipeline, with child processes and ports of their own: each file keeps a
      // fresh worker, so one run's leftovers cannot reach the next.
      { extends: true, test: { name: 'local', include: ['test/local/**/*.test.ts'] } },
    ],
  },
});
