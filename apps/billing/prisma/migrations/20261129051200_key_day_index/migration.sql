-- CreateIndex
CREATE INDEX "usage_records_key_id_finished_at_idx" ON "usage_records"("key_id", "finished_at");
