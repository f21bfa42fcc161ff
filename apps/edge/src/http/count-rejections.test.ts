import { AppError } from "@gateway/http";
import { createRegistry } from "@gateway/observability";
import { describe, expect, it } from "vitest";
import { edgeMetrics } from "../metrics.ts";
import { countRejections } from "./count-rejections.ts";
import { RefusalError } from "./refusal-error.ts";

async function counted(...errors: AppError[]): Promise<Record<string, number>> {
  const metrics = edgeMetrics(createRegistry("edge"));
  for (const error of errors) countRejections(metrics)(error);
  const { values } = await metrics.rejections.get();
  return Object.fromEntries(values.filter((v) => v.value > 0).map((v) => [String(v.labels.reason), v.value]));
}

describe("countRejections", () => {
  it("when a refusal's code says what it is, then it is counted under that reason", async () => {
    expect(await counted(new AppError("invalid_api_key", "no"), new AppError("token_quota_exceeded", "no"))).toEqual({ auth: 1, quota: 1 });
  });

  it("when backend_unavailable refuses before enqueueing, then its own reason is counted; after, it is a failure, not counted", async () => {
    expect(
      await counted(new RefusalError("shed", "backend_unavailable", "overloaded"), new AppError("backend_unavailable", "gone")),
    ).toEqual({
      shed: 1,
    });
  });

  it("when an error is not a refusal (a bug, an unknown route), then nothing is counted", async () => {
    expect(await counted(new AppError("internal_error", "x"), new AppError("not_found", "x"))).toEqual({});
  });
});
