import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { prepareTemplate } from "@gateway/test-kit/postgres";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    billingTemplate: string;
  }
}

const appDir = fileURLToPath(new URL("..", import.meta.url));

/** Migrates a template database once per run, with the same `prisma migrate deploy` production uses. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Unique per run, so two runs on one machine (turbo, an editor) never drop each other's databases.
  const template = await prepareTemplate(`billing_test_${process.pid}`, async (url) => {
    await promisify(execFile)(`${appDir}node_modules/.bin/prisma`, ["migrate", "deploy"], {
      cwd: appDir,
      env: { ...process.env, BILLING_DATABASE_URL: url, CHECKPOINT_DISABLE: "1" },
    });
  });
  project.provide("billingTemplate", template.name);
  return () => template.drop();
}
