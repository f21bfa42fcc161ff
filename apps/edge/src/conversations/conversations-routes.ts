import {
  CreateConversationRequest,
  ListQuery,
  PostMessageRequest,
  UpdateConversationRequest,
  type Conversation,
  type ConversationList,
  type ConversationWithMessages,
} from "@gateway/contracts";
import { AppError } from "@gateway/http";
import { Router, json, type Response } from "express";
import { assertModelAllowed } from "../auth/assert-model-allowed.ts";
import { listPage } from "../http/list-page.ts";
import { parseInput, pathId } from "../http/parse-input.ts";
import { requireJson } from "../http/require-json.ts";
import { admitReader } from "../limits/admit-reader.ts";
import { limitHeadersOnError } from "../limits/limit-headers-on-error.ts";
import { canonicalModel, modelIndex } from "../models/model-index.ts";
import { claimIdempotency } from "../idempotency/idempotency-store.ts";
import { replayChat } from "../idempotency/replay-chat.ts";
import { toAppError } from "../inference/terminal.ts";
import { waitForEnd } from "../inference/wait-for-end.ts";
import { answerStoredReply, messagePoster, type PostMessageDeps } from "./post-message.ts";

export type ConversationRouteDeps = PostMessageDeps;

/** `/v1/conversations`: server-side chat history, per tenant (another tenant's id is a 404). */
export function conversationsRoutes(deps: ConversationRouteDeps): Router {
  const models = modelIndex(deps.config);
  const postMessage = messagePoster(deps);
  const router = Router();
  const find = async (res: Response, id: string): Promise<Conversation> => {
    const found = await deps.conversations.get(res.locals.caller.tenant_id, id);
    if (!found) throw new AppError("not_found", `no conversation '${id}'`);
    return found;
  };
  const body = [deps.authenticate, requireJson, json({ limit: deps.bodyLimit })];

  router.post("/v1/conversations", ...body, async (req, res) => {
    const input = parseInput(CreateConversationRequest, req.body);
    if (!models.has(input.model)) throw new AppError("model_not_found", `the model '${input.model}' does not exist`, { param: "model" });
    assertModelAllowed(res.locals.principal, input.model, deps.config);
    if (input.system_prompt) deps.contentPolicy([{ param: "system_prompt", text: input.system_prompt }]);
    const created = await deps.conversations.create(res.locals.caller.tenant_id, {
      model: canonicalModel(deps.config, input.model),
      title: input.title ?? null,
      system_prompt: input.system_prompt ?? null,
      metadata: input.metadata ?? {},
    });
    res.status(201).location(`/v1/conversations/${created.id}`).json(created);
  });
  router.get("/v1/conversations", deps.authenticate, async (req, res) => {
    const query = parseInput(ListQuery, req.query);
    const { data, hasMore } = await deps.conversations.list(res.locals.caller.tenant_id, query.limit, query.after);
    const list: ConversationList = listPage({ data, hasMore });
    res.json(list);
  });
  router.get("/v1/conversations/:id", deps.authenticate, async (req, res) => {
    const conversation = await find(res, pathId(req));
    const query = parseInput(ListQuery, req.query);
    const { data, hasMore } = await deps.conversations.messages(conversation.id, query.limit, query.after);
    const messages = data.map(({ tokens: _tokens, ...m }) => m);
    const answer: ConversationWithMessages = { ...conversation, messages: listPage({ data: messages, hasMore }) };
    res.json(answer);
  });
  router.patch("/v1/conversations/:id", ...body, async (req, res) => {
    const input = parseInput(UpdateConversationRequest, req.body);
    if (input.system_prompt) deps.contentPolicy([{ param: "system_prompt", text: input.system_prompt }]);
    const updated = await deps.conversations.update(res.locals.caller.tenant_id, pathId(req), input);
    if (!updated) throw new AppError("not_found", `no conversation '${pathId(req)}'`);
    res.json(updated);
  });
  router.delete("/v1/conversations/:id", deps.authenticate, async (req, res) => {
    if (!(await deps.conversations.delete(res.locals.caller.tenant_id, pathId(req))))
      throw new AppError("not_found", `no conversation '${pathId(req)}'`);
    res.status(204).end();
  });
  router.post("/v1/conversations/:id/messages", ...body, async (req, res) => {
    const startedAt = process.hrtime.bigint();
    const conversation = await find(res, pathId(req));
    const input = parseInput(PostMessageRequest, req.body);
    const claim = await claimIdempotency(deps.idempotency, req, res.locals.caller.tenant_id, res.locals.requestId);
    if (claim?.repeat) {
      // The same turn again: nothing is stored or run twice; the first one's reply is the answer.
      if (input.stream) return replayChat(deps, claim.requestId, { includeUsage: false }, res);
      await admitReader(deps.admission, res);
      const end = await waitForEnd(deps.events, claim.requestId, deps.requestTimeoutMs);
      if (end?.type === "error") throw toAppError(end);
      res.setHeader("idempotent-replayed", "true");
      return answerStoredReply(deps, conversation, claim.requestId, res);
    }
    await postMessage(conversation, input, res, startedAt, claim && deps.idempotency.ttlS).catch(async (err: unknown) => {
      await claim?.release();
      throw err;
    });
  });
  router.use(limitHeadersOnError(deps.admission));
  return router;
}
