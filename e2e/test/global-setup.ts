import { prepareTemplate, prismaMigrate } from "@gateway/test-kit/postgres";
import type { TestProject } from "vitest/node";
import { APPS, templateNames } from "./paths.ts";

declare module "vitest" {
  export interface ProvidedContext {
    templates: { billing: string; edge: string };
  }
}

/** Migrates billing's and the edge's schemas into templates once; each test file clones them in milliseconds. */
export default async function setup(project: TestProject) {
  const names = templateNames(process.pid);
  const templates = await Promise.all([
    prepareTemplate(names.billing, prismaMigrate(APPS.billing, "BILLING_DATABASE_URL")),
    prepareTemplate(names.edge, prismaMigrate(APPS.edge, "EDGE_DATABASE_URL")),
  ]);
  project.provide("templates", names);
  return async () => {
    for (const t of templates) await t.drop();
  };
}
