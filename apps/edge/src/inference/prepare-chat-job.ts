import type { ChatCompletionRequest, ChatJob } from "@gateway/contracts";
import { assertModelAllowed } from "../auth/assert-model-allowed.ts";
import type { Principal } from "../auth/principal.ts";
import type { RequestIds } from "../http/request-ids.ts";
import { messageTexts, toolTexts, type PolicyText } from "../limits/content-policy.ts";
import { assertTierMaxTokens } from "../limits/tier-max-tokens.ts";
import { checkChatInputs } from "./check-chat-inputs.ts";
import type { PrepareDeps } from "./inference-deps.ts";
import { jobContext } from "./job-envelope.ts";
import { chatRequestParser } from "./parse-chat-request.ts";
import { toChatJob } from "./to-chat-job.ts";

export interface PreparedChat {
  request: ChatCompletionRequest;
  job: ChatJob;
}

/**
 * Builds (once per configuration) the one way a client's chat request becomes a chat job, for
 * every entry point: validated as `POST /v1/chat/completions` validates it (400 naming the
 * field), the model allowed for the credential (403), max_tokens within the tier (400), images
 * and tools only for a model that can take them and remote images only at addresses the gateway
 * may fetch (400), and the content policy passed (400) by every text of every message and every
 * tool's description, or by `policyTexts` where the client's request is not a chat request (a
 * conversation turn names its own fields).
 */
export function chatJobPreparer(deps: PrepareDeps) {
  const parse = chatRequestParser(deps.config);
  return (body: unknown, principal: Principal, ids: RequestIds, policyTexts?: readonly PolicyText[]): PreparedChat => {
    const request = parse(body);
    assertModelAllowed(principal, request.model, deps.config);
    assertTierMaxTokens(request, principal.caller.tier, deps.config.tiers[principal.caller.tier]);
    const job = toChatJob(request, deps.config, jobContext(deps, principal, ids));
    checkChatInputs(job, deps.capabilities(job.model), deps.egress);
    deps.contentPolicy(policyTexts ?? [...messageTexts(job.params.messages), ...toolTexts(job.params.tools)]);
    return { request, job };
  };
}
