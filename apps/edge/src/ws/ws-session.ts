import { WsClientMessage, type WsServerMessage } from "@gateway/contracts";
import type { Request, Response } from "express";
import type { WebSocket } from "ws";
import { ZodError } from "zod";
import type { ChatRouteDeps } from "../chat/chat-completions-route.ts";
import { AppError } from "@gateway/http";
import { errorEnvelope } from "@gateway/http";
import { parseInput } from "../http/parse-input.ts";
import { newRequestId } from "../http/request-ids.ts";
import { chatJobPreparer } from "../inference/prepare-chat-job.ts";
import { runInference } from "../inference/run-inference.ts";
import { chatAnswer } from "../inference/terminal.ts";
import { tokenTiming } from "../inference/token-timing.ts";

export type WsDeps = ChatRouteDeps;

/**
 * One socket: authenticated once (the upgrade's Authorization header, or a first `auth`
 * message), then any number of chat requests at once, each tagged with the client's id.
 */
export class WsSession {
  private locals: Response["locals"] | undefined;
  /** Messages that arrive while the auth message is checked wait for it. */
  private authenticating: Promise<void> | undefined;
  /** The requests running on this socket, by the client's id: aborting one cancels its job. */
  private readonly running = new Map<string, AbortController>();
  private readonly prepare;

  constructor(
    private readonly socket: WebSocket,
    private readonly deps: WsDeps,
    authorization: string | undefined,
  ) {
    this.prepare = chatJobPreparer(deps);
    socket.on("message", (data) => void this.receive(String(data)).catch((err: unknown) => this.sendError(null, err)));
    socket.on("close", () => {
      for (const request of this.running.values()) request.abort();
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
      this.running.get(message.id)?.abort();
      return;
    }
    if (this.running.has(message.id)) throw new AppError("invalid_request", `request '${message.id}' is still running on this socket`);
    const cancelled = new AbortController();
    this.running.set(message.id, cancelled);
    const requestId = newRequestId();
    try {
      await this.chat(message.id, requestId, message.request, this.locals, cancelled.signal);
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
    signal: AbortSignal,
  ): Promise<void> {
    const { deps } = this;
    const startedAt = process.hrtime.bigint();
    const { job } = this.prepare({ ...body, stream: true }, locals.principal, { requestId });
    const tokenWritten = tokenTiming(deps.metrics, job.model, startedAt);
    deps.metrics.activeStreams.inc();
    let end;
    try {
      end = await runInference(deps, job, {
        signal,
        // A socket has no headers after the upgrade: the limits' headers have nowhere to go.
        setHeaders: () => undefined,
        onChunk: (m) => {
          tokenWritten();
          // A chat job's chunks are chat chunks: the other kind never reaches a socket.
          if (m.chunk.object === "chat.completion.chunk") this.send({ type: "chunk", id, chunk: m.chunk });
        },
      });
    } finally {
      deps.metrics.activeStreams.dec();
    }
    // Cancelled by a cancel message (or the socket closing, when nobody hears it).
    if (!end) throw new AppError("client_closed_request", "request cancelled");
    const answer = chatAnswer(deps.prices, end);
    if (answer.object === "chat.completion") this.send({ type: "done", id, response: answer });
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
