import { chatCompletionOf, type ChatJob } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import type { Producer } from "@gateway/queue";
import type { RelayPublisher } from "./relay-publisher.ts";

/**
 * Publishes as usual and, when a conversation's turn ends with a result, queues the reply for
 * storage: queued by the worker, so the reply is kept even if the edge that served the request
 * died or its client left. The queue job id is the request id: a second result is a no-op.
 */
export function withConversationReply(
  publish: RelayPublisher,
  replies: Producer<"conversation-replies">,
  job: ChatJob,
  conversationId: string,
  logger: Logger,
): RelayPublisher {
  return (target, message) => {
    publish(target, message);
    const completion = message.type === "result" ? chatCompletionOf(message) : undefined;
    if (!completion) return;
    const reply = {
      v: 1 as const,
      request_id: job.request_id,
      conversation_id: conversationId,
      model: job.model,
      content: completion.choices[0]?.message.content ?? "",
      usage: completion.usage,
    };
    replies
      .add(`reply-${job.request_id}`, reply)
      .catch((err: unknown) => logger.error({ err, request_id: job.request_id }, "could not queue a conversation reply"));
  };
}
