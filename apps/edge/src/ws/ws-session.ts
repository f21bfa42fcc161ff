import { EventEmitter } from "node:events";
import { randomUUID } from "node:crypto";
import { WsClientMessage, type WsServerMessage } from "@gateway/contracts";
import { AppError, errorEnvelope } from "@gateway/http";
import type { Request, Response } from "express";
import type { WebSocket } from "ws";
import { ZodError } from "zod";
import { assertModelAllowed } from "../auth/assert-model-allowed.ts";
import { callWorker } from "../chat/call-worker.ts";
import type { ChatRouteDeps } from "../chat/chat-completions-route.ts";
import { chatRequestParser } from "../chat/parse-chat-request.ts";
import { toChatJob } from "../chat/to-chat-job.ts";
import { tokenTiming } from "../chat/token-timing.ts";
import { parseInput } from "../http/parse-input.ts";
import { assertTierMaxTokens } from "../limits/tier-max-tokens.ts";
import { withCost } from "../usage/usage-cost.ts";

export type WsDeps = ChatRouteDeps;

/**
 * What callWorker needs of an HTTP response, for one request on a socket: its "close" event
 * cancels the job (a cancel message, or the socket closing), headers have nowhere to go.
 */
function requestHandle(): Response & EventEmitter {
  return Object.assign(new EventEmitter(), { locals: { requestIdFromClient: false }, setHeader: () => undefined }) as unknown as Response &
    EventEmitter;
}

/**
 * One socket: authenticated once (the upgrade's Authorization header, or a first `auth`
 * message), then any number of chat requests at once, each tagged with the client's id.
 */
export class WsSession {
  private locals: Response["locals"] | undefined;
  /** Messages that arrive while the auth message is checked wait for it. */
  private authenticating: Promise<void> | undefined;
  private readonly running = new Map<string, EventEmitter>();
  private readonly parse;

  constructor(
    private readonly socket: WebSocket,
    private readonly deps: WsDeps,
    authorization: string | undefined,
  ) {
    this.parse = chatRequestParser(deps.config);
    socket.on("message", (data) => void this.receive(String(data)).catch((err: unknown) => this.sendError(null, err)));
    socket.on("close", () => {
      for (const handle of this.running.values()) handle.emit("close");
      this.running.clear();
    });
    if (authorization) this.authenticating = this.authenticate(authorization).catch((err: unknown) => this.fail(err));
  }

  private async authenticate(authorization: string): Promise<void> {
    const locals = {} as Response["locals"];
    // The edge's one authenticate middleware, so keys, JWTs, revocation and metrics behave as on HTTP.
    await this.deps.authenticate({ headers: { authorization } } as Request, { locals } as Response, () => undefined);
    this.locals = locals;
    this.send({ type: "ready", tenant_id: locals.caller.tenant_id });
  }

  private async receive(raw: string): Promise<void> {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new AppError("invalid_json", "a message is not valid JSON");
    }
    const message = parseInput(WsClientMessage, json);
    if (message.type === "auth") {
      if (this.locals || this.authenticating) throw new AppError("invalid_request", "this socket is already authenticated");
      this.authenticating = this.authenticate(`Bearer ${message.api_key}`).catch((err: unknown) => this.fail(err));
      return this.authenticating;
    }
    await this.authenticating;
    if (!this.locals)
      throw new AppError("invalid_api_key", "authenticate first: an Authorization header on the upgrade, or an auth message");
    if (message.type === "cancel") {
      this.running.get(message.id)?.emit("close");
      return;
    }
    if (this.running.has(message.id)) throw new AppError("invalid_request", `request '${message.id}' is still running on this socket`);
    const handle = requestHandle();
    this.running.set(message.id, handle);
    const requestId = randomUUID();
    try {
      await this.chat(message.id, requestId, message.request, this.locals, handle);
    } catch (err) {
      this.sendError(message.id, err, requestId);
    } finally {
      this.running.delete(message.id);
    }
  }

  private async chat(
    id: string,
    requestId: string,
    body: Record<string, unknown>,
    locals: Response["locals"],
    handle: Response & EventEmitter,
  ): Promise<void> {
    const { deps } = this;
    const startedAt = process.hrtime.bigint();
    const request = this.parse({ ...body, stream: true });
    const tier = deps.config.tiers[locals.caller.tier];
    assertModelAllowed(locals.principal, request.model, deps.config);
    assertTierMaxTokens(request, locals.caller.tier, tier);
    const job = toChatJob(request, deps.config, {
      requestId,
      caller: locals.caller,
      replyTo: deps.hub.channel,
      now: Date.now(),
      timeoutMs: deps.requestTimeoutMs,
      maxTokensCap: tier?.max_tokens,
    });
    deps.contentPolicy(job.params.messages);
    const tokenWritten = tokenTiming(deps.metrics, job.model, startedAt);
    deps.metrics.activeStreams.inc();
    let end;
    try {
      end = await callWorker(deps, job, handle, (m) => {
        tokenWritten();
        this.send({ type: "chunk", id, chunk: m.chunk });
      });
    } finally {
      deps.metrics.activeStreams.dec();
    }
    // Cancelled by a cancel message (or the socket closing, when nobody hears it).
    if (!end) throw new AppError("client_closed_request", "request cancelled");
    if (end.type === "error") throw new AppError(end.code, end.message);
    this.send({ type: "done", id, response: { ...end.response, usage: withCost(deps.prices, job.model, end.response.usage) } });
  }

  private send(message: WsServerMessage): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private sendError(id: string | null, err: unknown, requestId: string | null = null): void {
    const envelope =
      err instanceof AppError
        ? errorEnvelope(err.code, err.message, requestId, err.extra.param ?? null, err.extra.details ?? null)
        : err instanceof ZodError
          ? errorEnvelope("invalid_request", err.message, requestId)
          : errorEnvelope("internal_error", "internal error", requestId);
    this.send({ type: "error", id, error: envelope.error });
  }

  /** A failed authentication closes the socket: 1008 is "policy violation". */
  private fail(err: unknown): void {
    this.sendError(null, err);
    this.socket.close(1008, "authentication failed");
  }
}
