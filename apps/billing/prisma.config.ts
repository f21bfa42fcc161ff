import { migrateConfig } from "@gateway/prisma-config";

export default migrateConfig("BILLING_DATABASE_URL");
