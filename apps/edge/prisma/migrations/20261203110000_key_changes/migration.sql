-- Edges poll for keys changed since their last look (revoked, rotated, updated), so every
-- replica's cache knows of a change before a key-store outage makes it serve stale entries.
CREATE INDEX "api_keys_updated_at_idx" ON "api_keys"("updated_at");
