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

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new AppError("invalid_json", "a message is not valid JSON");
  }
}

export interface WsDeps extends ChatRouteDeps {
  /** A socket must be authenticated within this long, or it is closed (1008). */
  wsAuthTimeoutMs: number;
  /** A socket whose unsent messages pass this many bytes has stopped reading: it is cut off. */
  slowClientBufferBytes: number;
}

/** 1008 is "policy violation": what a socket that breaks the protocol's rules is closed with. */
const POLICY_VIOLATION = 1008;

/**
 * One socket: authenticated once (the upgrade's Authorization header, or a first `auth`
 * message within the auth timeout: any other first message closes it), then any number of
 * chat requests at once, each tagged with the client's id and each admitted against the key's
 * limits like an HTTP request. A client that stops reading is cut off once its unsent messages
 * pass the buffer bound: its requests are cancelled, and what was produced is billed.
 */
export class WsSession {
  private locals: Response["locals"] | undefined;
  /** Messages that arrive while the auth message is checked wait for it. */
  private authenticating: Promise<void> | undefined;
  /** The requests running on this socket, by the client's id: aborting one cancels its job. */
  private readonly running = new Map<string, AbortController>();
  private readonly prepare;
  private readonly authTimer: NodeJS.Timeout;

  constructor(
    private readonly socket: WebSocket,
    private readonly deps: WsDeps,
    authorization: string | undefined,
    private readonly clientAddress: string | undefined,
  ) {
    this.prepare = chatJobPreparer(deps);
    socket.on("message", (data) => void this.receive(String(data)).catch((err: unknown) => this.sendError(null, err)));
    socket.on("close", () => {
      clearTimeout(this.authTimer);
      for (const request of this.running.values()) request.abort();
      this.running.clear();
    });
    this.authTimer = setTimeout(() => {
      if (!this.locals) this.reject(new AppError("invalid_api_key", "not authenticated in time: send an auth message first"));
    }, deps.wsAuthTimeoutMs);
    this.authTimer.unref();
    if (authorization) this.authenticating = this.authenticate(authorization).catch((err: unknown) => this.reject(err));
  }

  private async authenticate(authorization: string): Promise<void> {
    const locals = {} as Response["locals"];
    // The edge's one authenticate middleware, so keys, JWTs, revocation, throttles and metrics behave as on HTTP.
    const req = { headers: { authorization }, ip: this.clientAddress } as Request;
    await this.deps.authenticate(req, { locals } as Response, () => undefined);
    this.locals = locals;
    clearTimeout(this.authTimer);
    this.send({ type: "ready", tenant_id: locals.caller.tenant_id });
  }

  private async receive(raw: string): Promise<void> {
    const unauthenticated = !this.locals && !this.authenticating;
    let message;
    try {
      message = parseInput(WsClientMessage, parseJson(raw));
    } catch (err) {
      // Before authentication, anything but a well-formed auth message ends the socket.
      if (unauthenticated) return this.reject(err);
      throw err;
    }
    if (unauthenticated && message.type !== "auth") {
      return this.reject(new AppError("invalid_api_key", "authenticate first: an Authorization header on the upgrade, or an auth message"));
    }
    if (message.type === "auth") {
      if (this.locals || this.authenticating) throw new AppError("invalid_request", "this socket is already authenticated");
      this.authenticating = this.authenticate(`Bearer ${message.api_key}`).catch((err: unknown) => this.reject(err));
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
    deps.deliveries.delivered(requestId);
  }

  private send(message: WsServerMessage): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(JSON.stringify(message));
    if (this.socket.bufferedAmount > this.deps.slowClientBufferBytes) {
      // It does not read: a close handshake would wait on it too. Its requests are cancelled on "close".
      this.deps.metrics.slowClients.inc({ transport: "websocket" });
      this.socket.terminate();
    }
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

  /** A socket that failed or skipped authentication is told why and closed. */
  private reject(err: unknown): void {
    clearTimeout(this.authTimer);
    this.sendError(null, err);
    this.socket.close(POLICY_VIOLATION, "authentication required");
  }
}
