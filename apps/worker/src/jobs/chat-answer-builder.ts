import { randomBytes } from "node:crypto";
import type { AssistantMessage, ChatDelta, ChoiceLogprobs, TokenLogprob, ToolCall, ToolCallDelta } from "@gateway/contracts";
import type { PieceExtra } from "../llama/answer-piece.ts";

/** OpenAI's call ids look like `call_` and two dozen random characters; clients send them back as tool_call_id. */
const newCallId = () => `call_${randomBytes(18).toString("base64url")}`;

/** What one piece of output becomes in a stream: its delta, and its tokens' log-probabilities. */
export interface PieceDelta {
  delta: ChatDelta;
  logprobs?: TokenLogprob[];
}

/**
 * One chat answer as it is generated: the text (a plain array of pieces: the hot path), and,
 * only when a backend sends them, reasoning, tool calls and log-probabilities. It gives each
 * tool call its id once, when the call first appears (the backend's, or `call_<random>` where it
 * sends "" as b4748 does), so the streamed deltas, the final message and the tool_call_id the
 * client sends back all agree.
 */
export class ChatAnswerBuilder {
  private readonly pieces: string[] = [];
  private reasoning = "";
  private readonly calls = new Map<number, ToolCall>();
  private logprobs: TokenLogprob[] | undefined;

  /** `topLogprobs`: alternatives per token the client asked for (the backend is asked for at least one). */
  constructor(private readonly topLogprobs?: number) {}

  text(piece: string): void {
    this.pieces.push(piece);
  }

  /** A piece with more than text; what its stream chunk says. */
  extra(text: string, extra: PieceExtra): PieceDelta {
    const delta: ChatDelta = {};
    if (text !== "") {
      this.pieces.push(text);
      delta.content = text;
    }
    if (extra.reasoning !== undefined) {
      this.reasoning += extra.reasoning;
      delta.reasoning_content = extra.reasoning;
    }
    if (extra.toolCalls) delta.tool_calls = extra.toolCalls.map((piece) => this.callDelta(piece));
    if (!extra.logprobs) return { delta };
    const logprobs =
      this.topLogprobs === undefined
        ? extra.logprobs
        : extra.logprobs.map((e) => ({ ...e, top_logprobs: e.top_logprobs.slice(0, this.topLogprobs) }));
    (this.logprobs ??= []).push(...logprobs);
    return { delta, logprobs };
  }

  /** A backend that failed after output is replaced (a non-stream job): nothing it said stays. */
  reset(): void {
    this.pieces.length = 0;
    this.reasoning = "";
    this.calls.clear();
    this.logprobs = undefined;
  }

  get hasToolCalls(): boolean {
    return this.calls.size > 0;
  }

  message(): AssistantMessage {
    const content = this.pieces.join("");
    if (this.calls.size === 0 && this.reasoning === "") return { role: "assistant", content };
    const message: AssistantMessage = { role: "assistant", content: content === "" && this.calls.size > 0 ? null : content };
    if (this.calls.size > 0) message.tool_calls = [...this.calls].sort(([a], [b]) => a - b).map(([, call]) => call);
    if (this.reasoning !== "") message.reasoning_content = this.reasoning;
    return message;
  }

  choiceLogprobs(): ChoiceLogprobs | undefined {
    return this.logprobs ? { content: this.logprobs } : undefined;
  }

  /** The client's delta for a piece of a call: the first names it (index, id, type, name), the rest carry arguments. */
  private callDelta(piece: { index: number; id?: string; name?: string; arguments?: string }): ToolCallDelta {
    const out: ToolCallDelta = { index: piece.index };
    let call = this.calls.get(piece.index);
    if (!call) {
      call = { id: piece.id || newCallId(), type: "function", function: { name: piece.name ?? "", arguments: "" } };
      this.calls.set(piece.index, call);
      out.id = call.id;
      out.type = "function";
      out.function = { name: call.function.name, arguments: "" };
    } else if (piece.name && !call.function.name) {
      call.function.name = piece.name;
      out.function = { name: piece.name };
    }
    if (piece.arguments) {
      call.function.arguments += piece.arguments;
      out.function = { ...out.function, arguments: piece.arguments };
    }
    return out;
  }
}
