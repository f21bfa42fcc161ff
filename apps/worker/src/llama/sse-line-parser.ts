export type SseEvent =
  | { kind: "data"; json: unknown }
  | { kind: "done" }
  /** llama-server's non-standard `error: {...}` line, or a `data:` payload that is an error object. */
  | { kind: "error"; message: string };

/**
 * A line-based reader for llama-server's event stream. Not a general SSE parser on purpose:
 * those drop the `error:` field as the spec says, and llama-server reports failures after the
 * headers with exactly that line (then still sends `[DONE]`).
 */
export class SseLineParser {
  private readonly decoder = new TextDecoder();
  private rest = "";

  push(bytes: Uint8Array): SseEvent[] {
    // stream: true keeps a multi-byte character split across network chunks intact.
    const text = this.rest + this.decoder.decode(bytes, { stream: true });
    const lines = text.split("\n");
    this.rest = lines.pop() ?? "";
    const events: SseEvent[] = [];
    for (const line of lines) {
      const event = parseLine(line.endsWith("\r") ? line.slice(0, -1) : line);
      if (event) events.push(event);
    }
    return events;
  }

  /** Whatever followed the last newline; llama-server always ends events with one, so normally nothing. */
  end(): SseEvent[] {
    const last = parseLine(this.rest + this.decoder.decode());
    this.rest = "";
    return last ? [last] : [];
  }
}

function parseLine(line: string): SseEvent | undefined {
  const colon = line.indexOf(":");
  if (colon <= 0) return undefined;
  const field = line.slice(0, colon);
  const value = line.slice(line[colon + 1] === " " ? colon + 2 : colon + 1);
  if (field === "error") return { kind: "error", message: errorMessageOf(tryJson(value) ?? value) };
  if (field !== "data") return undefined;
  if (value === "[DONE]") return { kind: "done" };
  const json = tryJson(value);
  if (json === undefined) return { kind: "error", message: "unparseable data line from backend" };
  // Newer builds may report a failure as a data event carrying an error object.
  if (typeof json === "object" && json !== null && "error" in json && !("choices" in json)) {
    return { kind: "error", message: errorMessageOf(json) };
  }
  return { kind: "data", json };
}

function tryJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

function errorMessageOf(value: unknown): string {
  if (typeof value === "string") return value;
  const body = value as { message?: unknown; error?: { message?: unknown } } | null;
  const message = body?.message ?? body?.error?.message;
  return typeof message === "string" ? message : "backend reported an error in the stream";
}
