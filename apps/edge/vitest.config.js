import shared from "@gateway/vitest-config";
import { defineConfig, mergeConfig } from "vitest/config";

// One migrated template per run (test/global-setup.ts); each test edge clones its own database from it.
export default mergeConfig(shared, defineConfig({ test: { globalSetup: ["./test/global-setup.ts"] } }));
