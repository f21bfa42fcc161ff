import type { CompletionJob } from "@gateway/contracts";
import { assertModelAllowed } from "../auth/assert-model-allowed.ts";
import type { Principal } from "../auth/principal.ts";
import type { RequestIds } from "../http/request-ids.ts";
import { assertTierMaxTokens } from "../limits/tier-max-tokens.ts";
import type { PrepareDeps } from "./inference-deps.ts";
import { jobContext } from "./job-envelope.ts";
import { completionRequestParser } from "./parse-completion-request.ts";
import { toCompletionJob } from "./to-completion-job.ts";

/**
 * Builds (once per configuration) the one way a legacy completion request becomes a job:
 * validated (400), the model allowed for the credential (403), max_tokens within the tier (400),
 * every text prompt through the content policy (400 naming `prompt` or `prompt.<i>`).
 */
export function completionJobPreparer(deps: PrepareDeps) {
  const parse = completionRequestParser(deps.config);
  return (body: unknown, principal: Principal, ids: RequestIds): { job: CompletionJob; includeUsage: boolean } => {
    const request = parse(body);
    assertModelAllowed(principal, request.model, deps.config);
    assertTierMaxTokens(request, principal.caller.tier, deps.config.tiers[principal.caller.tier]);
    const job = toCompletionJob(request, deps.config, jobContext(deps, principal, ids));
    const { prompt } = request;
    const texts =
      typeof prompt === "string" ? [{ param: "prompt", text: prompt }] : prompt.map((text, i) => ({ param: `prompt.${i}`, text }));
    deps.contentPolicy(texts.filter((t): t is { param: string; text: string } => typeof t.text === "string"));
    return { job, includeUsage: request.stream_options?.include_usage === true };
  };
}
