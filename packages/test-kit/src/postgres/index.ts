export { adminUrl } from "./env.ts";
export { prismaMigrate } from "./prisma-migrate.ts";
export { prepareTemplate, type TemplateDatabase } from "./template.ts";
export { createTestDatabase, type TestDatabase } from "./test-database.ts";
