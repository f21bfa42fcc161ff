-- CreateTable
CREATE TABLE "webhook_signing_keys" (
    "tenant_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "previous_version" INTEGER,
    "previous_expires_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "rotated_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_signing_keys_pkey" PRIMARY KEY ("tenant_id")
);
