import { migrateConfig } from "@gateway/prisma-config";

export default migrateConfig("EDGE_DATABASE_URL");
