import { describe, expect, it } from "vitest";
import {
  activeKeysKey,
  cancelledKey,
  CHANNELS,
  embeddingsResultKey,
  eventsKey,
  idempotencyKey,
  jobRecordKey,
  limitKeys,
  pendingKey,
  reconcileLockKey,
  registryKey,
  rpmKeyPrefix,
  slotLeasesKey,
  streamAttachedKey,
  streamOwnerKey,
  tenantJobsKey,
  workersKey,
  edgesKey,
  deliveriesKey,
  backendCountersKey,
  backendTokensKey,
  backendCounterField,
  backendScrapeLeaseKey,
} from "./redis-keys.ts";

describe("Redis names", () => {
  it("when built, then they are the names deployments already store under (a rename strands their data)", () => {
    expect([
      CHANNELS.reply("gw", "edge-1"),
      CHANNELS.cancel("gw"),
      cancelledKey("gw", "req_1"),
      workersKey("gw"),
      edgesKey("gw"),
      deliveriesKey("gw"),
      registryKey("gw"),
      slotLeasesKey("gw", "http://a:8080"),
      pendingKey("gw", "m"),
      embeddingsResultKey("gw", "req_1"),
      eventsKey("gw", "req_1"),
      jobRecordKey("gw", "job_1"),
      tenantJobsKey("gw", "t"),
      streamOwnerKey("gw", "req_1"),
      streamAttachedKey("gw", "req_1"),
      idempotencyKey("gw", "t", "digest"),
      activeKeysKey("gw", "2026-11-29"),
      rpmKeyPrefix("gw"),
      reconcileLockKey("gw"),
      backendCountersKey("gw"),
      backendTokensKey("gw", "2026-12-01"),
      backendCounterField("http://a:8080", "predicted"),
      backendScrapeLeaseKey("gw", "http://a:8080"),
    ]).toEqual([
      "gw:reply:edge-1",
      "gw:cancel",
      "gw:cancelled:req_1",
      "gw:workers",
      "gw:edges",
      "gw:deliveries",
      "gw:registry",
      "gw:slots:http://a:8080",
      "gw:pending:m",
      "gw:embeddings:req_1",
      "gw:events:req_1",
      "gw:job:job_1",
      "gw:jobs:t",
      "gw:stream-owner:req_1",
      "gw:stream-attached:req_1",
      "gw:idem:t:digest",
      "gw:limits:active:2026-11-29",
      "gw:limits:rpm",
      "gw:limits:reconcile-lock",
      "gw:backend-counters",
      "gw:backend-tokens:2026-12-01",
      "http://a:8080|predicted",
      "gw:backend-scrape:http://a:8080",
    ]);
  });

  it("when an API key's limit names are built, then all share the key's hash tag (one cluster slot per Lua script)", () => {
    const keys = limitKeys("gw", "key_1");
    const names = [keys.leases, keys.reserved, keys.used("2026-11-29")];
    expect(names).toEqual(["gw:limits:{key_1}:leases", "gw:limits:{key_1}:reserved", "gw:limits:{key_1}:used:2026-11-29"]);
    for (const name of names) expect(/\{(.+?)\}/.exec(name)?.[1]).toBe("key_1");
  });
});
