import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // LibreOffice and Chromium suites each start their own process; two workers suit a 2-core machine.
    maxWorkers: 2,
  },
});
