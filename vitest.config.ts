import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'tools/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // expect.poll waits for a condition and returns as soon as it holds: its 1 s default is a quiet
    // machine's figure, too short for a server, a stream or a child process on a busy CI machine.
    expect: { poll: { timeout: 10_000 } },
  },
});
