import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Shared flat config: strict TS rules, and configuration only through each app's env.ts. */
export default tseslint.config(
  { ignores: ["dist/**", "**/generated/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-restricted-properties": ["error", { object: "process", property: "env", message: "Read configuration in src/env.ts only." }],
    },
  },
  {
    files: ["**/env.ts", "**/*.test.ts", "**/test/**", "**/*.config.ts", "**/scripts/**"],
    rules: { "no-restricted-properties": "off" },
  },
);
