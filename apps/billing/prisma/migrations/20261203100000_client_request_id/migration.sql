-- The client's own id for a request (x-client-request-id): a label beside the gateway's request_id, never a key.
ALTER TABLE "usage_records" ADD COLUMN "client_request_id" TEXT;
