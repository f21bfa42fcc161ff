import { fileURLToPath } from "node:url";
import { prepareTemplate, prismaMigrate } from "@gateway/test-kit/postgres";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    billingTemplate: string;
  }
}

const appDir = fileURLToPath(new URL("..", import.meta.url));

/** Migrates a template database once per run, with the same `prisma migrate deploy` production uses. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Unique per run, so two runs on one machine never drop each other's databases.
  const template = await prepareTemplate(`billing_test_${process.pid}`, prismaMigrate(appDir, "BILLING_DATABASE_URL"));
  project.provide("billingTemplate", template.name);
  return () => template.drop();
}
