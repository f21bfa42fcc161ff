import { fileURLToPath } from "node:url";
import { prepareTemplate, prismaMigrate } from "@gateway/test-kit/postgres";
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
  const template = await prepareTemplate(`edge_test_${process.pid}`, prismaMigrate(appDir, "EDGE_DATABASE_URL"));
  project.provide("edgeTemplate", template.name);
  return () => template.drop();
}
