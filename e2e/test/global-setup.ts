import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { prepareTemplate } from "@gateway/test-kit/postgres";
import { BILLING_DIR, BILLING_TEMPLATE } from "./paths.ts";

/** Migrates billing's schema into a template once; each test file clones it in milliseconds. */
export default async function setup() {
  const template = await prepareTemplate(BILLING_TEMPLATE, async (url) => {
    await promisify(execFile)("node_modules/.bin/prisma", ["migrate", "deploy"], {
      cwd: BILLING_DIR,
      env: { ...process.env, BILLING_DATABASE_URL: url, CHECKPOINT_DISABLE: "1" },
    });
  });
  return () => template.drop();
}
