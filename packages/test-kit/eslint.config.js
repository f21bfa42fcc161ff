import shared from "@gateway/eslint-config";

export default [
  ...shared,
  // Test fixtures read the test environment (REDIS_URL and friends) where they need it.
  {
    files: ["src/processes.ts", "src/redis.ts", "src/postgres/env.ts", "src/postgres/prisma-migrate.ts"],
    rules: { "no-restricted-properties": "off" },
  },
];
