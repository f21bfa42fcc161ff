import {
  chatCompletionOf,
  type ChatMessage,
  type Conversation,
  type ConversationMessage,
  type PostMessageRequest,
} from "@gateway/contracts";
import type { Response } from "express";
import type { ChatRouteDeps } from "../chat/chat-completions-route.ts";
import { respondStream } from "../chat/respond-stream.ts";
import { AppError } from "@gateway/http";
import { requestIdsOf } from "../http/request-ids.ts";
import { httpTransport } from "../inference/http-transport.ts";
import { chatJobPreparer } from "../inference/prepare-chat-job.ts";
import { runInference, type ResumeOnClose } from "../inference/run-inference.ts";
import { toAppError } from "../inference/terminal.ts";
import type { TokenizedCount } from "../limits/prompt-tokens.ts";
import type { ModelDirectory } from "../models/model-directory.ts";
import { withCost } from "../usage/usage-cost.ts";
import type { ConversationRepository } from "./conversation-repository.ts";
import { fitHistory } from "./fit-history.ts";

export interface PostMessageDeps extends ChatRouteDeps {
  conversations: ConversationRepository;
  directory: ModelDirectory;
  tokenized: TokenizedCount;
}

/** Far more turns than any context holds: fitting reads at most this many of the newest. */
const HISTORY_WINDOW = 500;

/** A turn's reply is generated to the end even if its client leaves: the history must hold the answer to every question. */
const KEEP_GENERATING: ResumeOnClose = { graceMs: 1, isAttached: () => Promise.resolve(true) };

/**
 * Builds the handler of a conversation turn, with the chat request validator built once.
 *
 * The handler stores the user's message, runs a completion over the stored history fitted to
 * the context, and answers the assistant message (or streams the completion). The worker queues
 * the reply for storage itself, so it is kept even if the client or this edge goes away; a JSON
 * answer also stores it here at once (the same row: stored once per request id) so it can be
 * returned.
 */
export function messagePoster(deps: PostMessageDeps) {
  const prepare = chatJobPreparer(deps);
  return async (
    conversation: Conversation,
    input: PostMessageRequest,
    res: Response,
    startedAt: bigint,
    eventsTtlS?: number,
  ): Promise<void> => {
    const params = {
      model: conversation.model,
      stream: input.stream === true,
      ...(input.max_tokens !== undefined && { max_tokens: input.max_tokens }),
      ...(input.temperature !== undefined && { temperature: input.temperature }),
      ...(input.top_p !== undefined && { top_p: input.top_p }),
      ...(input.seed !== undefined && { seed: input.seed }),
      ...(input.stop !== undefined && { stop: input.stop }),
    };
    const userTurn: ChatMessage = { role: "user", content: input.content };
    // Validated as the chat endpoint would (model, max_tokens bounds, content), before anything is
    // stored; the content policy sees the new turn and the conversation's system prompt.
    const texts = [{ param: "content", text: input.content }];
    if (conversation.system_prompt) texts.push({ param: "system_prompt", text: conversation.system_prompt });
    const { job: draft } = prepare({ ...params, messages: [userTurn] }, res.locals.principal, requestIdsOf(res), texts);

    const [userTokens, systemTokens] = await Promise.all([
      deps.tokenized(draft.model, [userTurn]),
      conversation.system_prompt
        ? deps.tokenized(draft.model, [{ role: "system", content: conversation.system_prompt }])
        : Promise.resolve(0),
    ]);
    // The history before this turn, and the turn itself, which is stored only once the job is admitted.
    const earlier = await deps.conversations.recent(conversation.id, HISTORY_WINDOW - 1);
    const history = [{ role: "user" as const, content: input.content, tokens: userTokens ?? null }, ...earlier];
    const system = conversation.system_prompt
      ? { content: conversation.system_prompt, tokens: systemTokens ?? Math.ceil(conversation.system_prompt.length / 2) }
      : null;
    const contextLength = deps.directory.detail(draft.model)?.details.context_length ?? undefined;
    const messages = fitHistory(system, history, contextLength, draft.params.max_tokens);
    // An idempotent turn logs its events, so a repeat of it can replay them instead of running again.
    const job = {
      ...draft,
      params: { ...draft.params, messages },
      conversation_id: conversation.id,
      ...(eventsTtlS && { events_ttl_s: eventsTtlS }),
    };

    // Admission before storage: a refused turn (429, 503) stores nothing.
    const storeTurn = async () => void (await deps.conversations.addUserMessage(conversation.id, input.content, userTokens ?? null));
    if (job.stream) return respondStream(deps, job, res, { startedAt, resume: KEEP_GENERATING, beforeEnqueue: storeTurn });
    const end = await runInference(deps, job, httpTransport(res, { resume: KEEP_GENERATING, beforeEnqueue: storeTurn }));
    if (!end) return;
    if (end.type === "error") throw toAppError(end);
    const completion = chatCompletionOf(end);
    if (!completion) throw new AppError("internal_error", "the worker answered a conversation turn with another kind of result");
    await deps.conversations.addReply({
      v: 1,
      request_id: job.request_id,
      conversation_id: conversation.id,
      model: job.model,
      content: completion.choices[0]?.message.content ?? "",
      usage: completion.usage,
    });
    await answerStoredReply(deps, conversation, job.request_id, res);
  };
}

/** The stored reply of a request, as the API answers it (201, with usage and cost). */
export async function answerStoredReply(
  deps: PostMessageDeps,
  conversation: Conversation,
  requestId: string,
  res: Response,
): Promise<void> {
  let stored = await deps.conversations.replyTo(conversation.id, requestId);
  // A repeat may see the first request's end a moment before its reply row is written.
  for (let i = 0; !stored && i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    stored = await deps.conversations.replyTo(conversation.id, requestId);
  }
  if (!stored) throw new AppError("not_found", `conversation '${conversation.id}' was deleted while it answered`);
  const { tokens: _tokens, ...message } = stored;
  const answer: ConversationMessage & { usage: ReturnType<typeof withCost> } = {
    ...message,
    usage: withCost(deps.prices, conversation.model, message.usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }),
  };
  res.setHeader("x-usage-cost", answer.usage.cost);
  res.status(201).json(answer);
  deps.deliveries.delivered(requestId);
}
