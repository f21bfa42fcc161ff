import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRows } from "./billing-rows.ts";
import { MODEL, startSystem, type System } from "./start-system.ts";

type Msg = {
  type: string;
  id?: string | null;
  chunk?: { choices: { delta: { content?: string } }[] };
  response?: { id: string; choices: { message: { content: string } }[]; usage: { completion_tokens: number } };
  error?: { code: string; request_id?: string | null };
  tenant_id?: string;
};

let system: System;
beforeAll(async () => {
  system = await startSystem({ sim: { interTokenMs: 10, naturalTokens: 500, slots: 4 } });
});
afterAll(() => system?.stop());

async function connect(
  headers?: Record<string, string>,
): Promise<{ ws: WebSocket; messages: Msg[]; next: (pred: (m: Msg) => boolean) => Promise<Msg> }> {
  const ws = new WebSocket(`${system.edgeUrl.replace("http", "ws")}/v1/ws`, headers ? { headers } : {});
  const messages: Msg[] = [];
  const waiters: { pred: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = [];
  ws.on("message", (data) => {
    const m = JSON.parse(String(data)) as Msg;
    messages.push(m);
    for (const w of [...waiters]) {
      if (!w.pred(m)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(m);
    }
  });
  await new Promise<void>((resolve) => ws.on("open", resolve));
  const next = (pred: (m: Msg) => boolean) =>
    new Promise<Msg>((resolve) => {
      const seen = messages.find(pred);
      if (seen) resolve(seen);
      else waiters.push({ pred, resolve });
    });
  return { ws, messages, next };
}

const chat = (id: string, max_tokens: number) =>
  JSON.stringify({
    type: "chat.completion",
    id,
    request: { model: MODEL, messages: [{ role: "user", content: `story ${id}` }], max_tokens },
  });

describe("when a client sends two chat requests on one WebSocket", () => {
  it("then their chunks arrive interleaved, tagged by id, each ends with done, and each text matches its own chunks", async () => {
    const { ws, messages, next } = await connect({ authorization: `Bearer ${system.apiKey}` });
    await next((m) => m.type === "ready");
    ws.send(chat("a", 30));
    ws.send(chat("b", 30));
    const [a, b] = await Promise.all([next((m) => m.type === "done" && m.id === "a"), next((m) => m.type === "done" && m.id === "b")]);
    const chunkIds = messages.filter((m) => m.type === "chunk").map((m) => m.id);
    // Interleaved: b's chunks begin before a's end.
    expect(chunkIds.indexOf("b")).toBeLessThan(chunkIds.lastIndexOf("a"));
    for (const [id, done] of [
      ["a", a],
      ["b", b],
    ] as const) {
      const text = messages
        .filter((m) => m.type === "chunk" && m.id === id)
        .map((m) => m.chunk!.choices[0]?.delta.content ?? "")
        .join("");
      expect(text).toBe(done.response!.choices[0]!.message.content);
      expect(done.response!.usage.completion_tokens).toBe(30);
    }
    ws.close();
  });

  it("then each streamed request feeds the edge's time-to-first-token and inter-token metrics and the active streams gauge", async () => {
    const counts = async () => {
      const text = await (await fetch(`${system.edgeUrl}/metrics`)).text();
      const count = (name: string) =>
        Number(new RegExp(`^${name}_count\\{[^}]*model="${MODEL}"[^}]*\\} (\\d+)$`, "m").exec(text)?.[1] ?? 0);
      const active = Number(/^gateway_edge_active_streams(?:\{[^}]*\})? (\d+)$/m.exec(text)?.[1] ?? NaN);
      return { ttft: count("gateway_edge_time_to_first_token_seconds"), gaps: count("gateway_edge_inter_token_seconds"), active };
    };
    const before = await counts();
    const { ws, next } = await connect({ authorization: `Bearer ${system.apiKey}` });
    await next((m) => m.type === "ready");
    ws.send(chat("timed", 12));
    await next((m) => m.type === "chunk" && m.id === "timed");
    expect((await counts()).active).toBe(before.active + 1);
    await next((m) => m.type === "done" && m.id === "timed");
    ws.close();
    const after = await counts();
    expect(after.ttft - before.ttft).toBe(1);
    // Twelve token chunks and the finish chunk, as over SSE: twelve gaps between them.
    expect(after.gaps - before.gaps).toBe(12);
    expect(after.active).toBe(before.active);
  });

  it("then a cancel message stops one request (billed as cancelled) while the other finishes", async () => {
    const { ws, next } = await connect();
    ws.send(JSON.stringify({ type: "auth", api_key: system.apiKey }));
    ws.send(chat("long", 250));
    ws.send(chat("short", 20));
    await next((m) => m.type === "chunk" && m.id === "long");
    ws.send(JSON.stringify({ type: "cancel", id: "long" }));
    const short = await next((m) => m.type === "done" && m.id === "short");
    expect(short.response!.usage.completion_tokens).toBe(20);
    const cancelled = await next((m) => m.type === "error" && m.id === "long");
    expect(cancelled.error!.code).toBe("client_closed_request");
    const rows = await usageRows(system.db, cancelled.error!.request_id!);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: "cancelled" });
    ws.close();
  });

  it("then closing the socket cancels its running request: the backend request is aborted", async () => {
    const { ws, next } = await connect({ authorization: `Bearer ${system.apiKey}` });
    await next((m) => m.type === "ready");
    const ended = new Promise<{ aborted: boolean }>((resolve) => {
      const off = system.sims[0]!.onRequestEnd((event) => {
        off();
        resolve(event);
      });
    });
    ws.send(chat("gone", 250));
    await next((m) => m.type === "chunk" && m.id === "gone");
    ws.close();
    expect((await ended).aborted).toBe(true);
  });

  it("then a bad key closes the socket with an error, and a malformed message gets an error without closing it", async () => {
    const bad = await connect({ authorization: "Bearer nope" });
    await bad.next((m) => m.type === "error" && m.error!.code === "invalid_api_key");
    const good = await connect({ authorization: `Bearer ${system.apiKey}` });
    good.ws.send("{not json");
    expect((await good.next((m) => m.type === "error")).error!.code).toBe("invalid_json");
    good.ws.send(JSON.stringify({ type: "chat.completion", id: "x", request: { model: MODEL, messages: [] } }));
    expect((await good.next((m) => m.type === "error" && m.id === "x")).error!.code).toBe("invalid_request");
    good.ws.close();
  });
});
