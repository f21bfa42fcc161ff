import type { ChunkMessage, ErrorCode } from "@gateway/contracts";
import { errorEnvelope } from "@gateway/http";
import type { Answer } from "../inference/terminal.ts";
import type { SseOut } from "./bounded-sse.ts";

/**
 * Writes a chat completion stream as OpenAI-style SSE, numbered the one way a live stream and
 * its replay both number it: a chunk's id is its seq, then the usage chunk and `[DONE]` take
 * the next ids. Events numbered up to `after` are skipped: the client has them already (a
 * resume after Last-Event-ID).
 */
export class ChatEventWriter {
  private nextId = 0;

  constructor(
    private readonly out: SseOut,
    private readonly includeUsage: boolean,
    private readonly after = -1,
  ) {}

  chunk(message: ChunkMessage): void {
    this.nextId = message.seq;
    this.send(JSON.stringify(message.chunk));
  }

  /** A failure after the stream opened: an error event, never a clean-looking truncated answer. */
  fail(code: ErrorCode, message: string, requestId: string): void {
    this.send(JSON.stringify(errorEnvelope(code, message, requestId)));
    this.done();
  }

  /**
   * The end of a successful stream. The cost is known only now, after the headers went out: it
   * rides in the usage chunk (the SDKs keep the extra field), not in a trailer, which no SDK reads.
   */
  succeed(answer: Answer | undefined): void {
    if (this.includeUsage && answer && answer.object !== "list") {
      const { id, created, model, usage } = answer;
      // A legacy completion's stream chunks are text_completion objects, its usage chunk too (as OpenAI sends it).
      const object = answer.object === "chat.completion" ? "chat.completion.chunk" : "text_completion";
      this.send(JSON.stringify({ id, object, created, model, choices: [], usage }));
    }
    this.done();
  }

  private done(): void {
    this.send("[DONE]");
    this.out.end();
  }

  private send(data: string): void {
    if (this.nextId > this.after) this.out.write(`id: ${this.nextId}\ndata: ${data}\n\n`);
    this.nextId++;
  }
}
