import { AppError } from "@gateway/http";
import type { Request, Response } from "express";
import { describe, expect, it, vi } from "vitest";
import { refuseWhileDraining } from "./refuse-while-draining.ts";

describe("refuseWhileDraining", () => {
  it("when the edge accepts work, then the request goes on", () => {
    const next = vi.fn();
    refuseWhileDraining(() => true)({} as Request, {} as Response, next);
    expect(next).toHaveBeenCalledOnce();
  });

  it("when shutdown has begun, then a new request is a retryable 503 and its connection is closed", () => {
    const setHeader = vi.fn();
    const run = () => refuseWhileDraining(() => false)({} as Request, { setHeader } as unknown as Response, vi.fn());
    expect(run).toThrow(AppError);
    expect(run).toThrow(expect.objectContaining({ code: "not_ready", status: 503, extra: expect.objectContaining({ retryAfter: 1 }) }));
    expect(setHeader).toHaveBeenCalledWith("connection", "close");
  });
});
