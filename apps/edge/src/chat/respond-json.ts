import type { InferenceJob } from "@gateway/contracts";
import type { Response } from "express";
import { callWorker, toAppError, type CallDeps } from "./call-worker.ts";

export async function respondJson(deps: CallDeps, job: InferenceJob, res: Response): Promise<void> {
  const end = await callWorker(deps, job, res);
  if (!end) return;
  if (end.type === "error") throw toAppError(end);
  res.json(end.response);
}
