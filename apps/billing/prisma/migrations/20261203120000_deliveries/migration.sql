-- Deliveries of answers to their clients, read from the deliveries stream of edges and workers:
-- one row per request, the first delivery wins. recorded_at bounds the sweep that heals a usage row
-- and its delivery committed at the same moment (neither saw the other).
CREATE TABLE "usage_deliveries" (
    "request_id" TEXT NOT NULL,
    "delivered_at" TIMESTAMPTZ(3) NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "usage_deliveries_pkey" PRIMARY KEY ("request_id")
);

-- BRIN: both are appended in about time order, and a BRIN index costs the inserts next to nothing.
CREATE INDEX "usage_deliveries_delivered_at_idx" ON "usage_deliveries" USING BRIN ("delivered_at");
CREATE INDEX "usage_deliveries_recorded_at_idx" ON "usage_deliveries" USING BRIN ("recorded_at");

-- When the answer reached its client (null: not delivered, or not known to be), and the kind of work (chat, embeddings).
ALTER TABLE "usage_records" ADD COLUMN "delivered_at" TIMESTAMPTZ(3),
ADD COLUMN "kind" TEXT;

-- Reconciliation sums the rows of every tenant over a range of days.
CREATE INDEX "usage_records_finished_at_idx" ON "usage_records" USING BRIN ("finished_at");
