import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    // A time limit only catches a hang: a loaded 2-core machine runs the exhaustive suites several times slower.
    testTimeout: 300_000,
    hookTimeout: 120_000,
    // LibreOffice and Chromium suites each start their own process; two workers suit a 2-core machine.
    maxWorkers: 2,
  },
});
