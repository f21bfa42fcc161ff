import { defineConfig } from "vitest/config";

const conditions = ["development", "module", "node", "default"];

/**
 * Workspace packages resolve to their TypeScript sources (the "development" export condition),
 * so tests never need a build. Tests talk to real Redis/Postgres, hence generous timeouts.
 */
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["development"] } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // The JSON report lets scripts/test.sh print one "N passed, N failed" line for the whole repo.
    reporters: ["default", "json"],
    outputFile: { json: ".vitest-report.json" },
  },
});
