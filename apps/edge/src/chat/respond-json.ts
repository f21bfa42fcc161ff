import type { ChatJob, CompletionJob, RerankJob } from "@gateway/contracts";
import type { Response } from "express";
import { httpTransport } from "../inference/http-transport.ts";
import type { InferenceDeps } from "../inference/inference-deps.ts";
import { runInference, type ResumeOnClose } from "../inference/run-inference.ts";
import { chatAnswer, type Answer } from "../inference/terminal.ts";

/** Runs a chat, legacy completion or rerank job and answers it as JSON (an error as its status and envelope). */
export async function respondJson(
  deps: InferenceDeps,
  job: ChatJob | CompletionJob | RerankJob,
  res: Response,
  resume?: ResumeOnClose,
): Promise<void> {
  const end = await runInference(deps, job, httpTransport(res, resume && { resume }));
  if (!end) return;
  sendChatAnswer(res, chatAnswer(deps.prices, end));
  deps.deliveries.delivered(job.request_id);
}

/** A chat answer as a JSON response, its cost also in `x-usage-cost`. */
export function sendChatAnswer(res: Response, answer: Answer): void {
  res.setHeader("x-usage-cost", answer.usage.cost);
  res.json(answer);
}
