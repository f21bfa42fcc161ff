import type { ChatJob } from "@gateway/contracts";
import type { Response } from "express";
import { withCost } from "../usage/usage-cost.ts";
import { callWorker, toAppError, type CallDeps, type ResumeOnClose } from "./call-worker.ts";

export async function respondJson(deps: CallDeps, job: ChatJob, res: Response, resume?: ResumeOnClose): Promise<void> {
  const end = await callWorker(deps, job, res, undefined, resume);
  if (!end) return;
  if (end.type === "error") throw toAppError(end);
  const usage = withCost(deps.prices, job.model, end.response.usage);
  res.setHeader("x-usage-cost", usage.cost);
  res.json({ ...end.response, usage });
}
