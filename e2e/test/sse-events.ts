export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/**
 * Reads SSE events from a fetch response as they arrive; comments (keep-alives) are counted, not
 * returned. `stop` is how many events to read before returning (the rest stay unread).
 */
export async function readSse(res: Response, onEvent: (event: SseEvent) => boolean | void, onComment?: () => void): Promise<void> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const event: SseEvent = { data: "" };
      let isComment = true;
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        isComment = false;
        const [field, ...rest] = line.split(":");
        const v = rest.join(":").replace(/^ /, "");
        if (field === "id") event.id = v;
        else if (field === "event") event.event = v;
        else if (field === "data") event.data = event.data ? `${event.data}\n${v}` : v;
      }
      if (isComment) {
        onComment?.();
        continue;
      }
      if (onEvent(event) === true) {
        await reader.cancel();
        return;
      }
    }
  }
}

/** The text a list of OpenAI chunk payloads adds up to. */
export const chunkText = (payloads: string[]) =>
  payloads.map((d) => (JSON.parse(d) as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content ?? "").join("");
