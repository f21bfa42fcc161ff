import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { prepareTemplate } from "@gateway/test-kit/postgres";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    edgeTemplate: string;
  }
}

const appDir = fileURLToPath(new URL("..", import.meta.url));

/** Migrates the edge's schema into a template once per run, with the same `prisma migrate deploy` production uses. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Unique per run, so two runs on one machine never drop each other's databases.
  const template = await prepareTemplate(`edge_test_${process.pid}`, async (url) => {
    await promisify(execFile)(`${appDir}node_modules/.bin/prisma`, ["migrate", "deploy"], {
      cwd: appDir,
      env: { ...process.env, EDGE_DATABASE_URL: url, CHECKPOINT_DISABLE: "1" },
    });
  });
  project.provide("edgeTemplate", template.name);
  return () => template.drop();
}
