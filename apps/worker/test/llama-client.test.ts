import { once } from "node:events";
import { createServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { LlamaClient } from "../src/llama/llama-client.ts";
import { UpstreamError } from "../src/llama/upstream-error.ts";

const timeouts = { connectMs: 500, firstTokenMs: 1_000, idleMs: 1_000, totalMs: 5_000 };
const STREAM =
  'data: {"choices":[{"finish_reason":null,"index":0,"delta":{"content":"Hi"}}]}\n\n' +
  'data: {"choices":[{"finish_reason":"stop","index":0,"delta":{}}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}\n\n' +
  "data: [DONE]\n\n";
const RESPONSE = `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: ${Buffer.byteLength(STREAM)}\r\n\r\n${STREAM}`;

let closeServer: (() => Promise<void>) | undefined;
let client: LlamaClient | undefined;
afterEach(async () => {
  await client?.close();
  await closeServer?.();
});

/**
 * A bare HTTP/1.1 server that answers the first request on each connection and drops the
 * connection, without a byte, on the second: what a client meets when it reuses a keep-alive
 * connection the server has just timed out.
 */
async function startFlakyKeepAliveServer() {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    let served = 0;
    socket.on("data", (data) => {
      if (!data.toString().includes("\r\n\r\n")) return;
      if (served++ === 0) socket.write(RESPONSE);
      else socket.destroy();
    });
    socket.on("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  closeServer = async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  };
  return { url: `http://127.0.0.1:${port}`, connections: () => connections };
}

describe("LlamaClient", () => {
  it("when a pooled connection turns out closed before any response byte, then the request is re-sent once, transparently", async () => {
    const server = await startFlakyKeepAliveServer();
    const stale: string[] = [];
    client = new LlamaClient({
      backends: [server.url],
      timeouts,
      probeTimeoutMs: 500,
      tokenizeTimeoutMs: 200,
      onStaleRetry: (b) => stale.push(b),
    });
    const signal = new AbortController().signal;
    for (let i = 0; i < 2; i++) {
      const text: string[] = [];
      const state = await client.streamChat(server.url, { model: "m" }, { signal, onContent: (t) => text.push(t) });
      expect(text).toEqual(["Hi"]);
      expect(state.usage?.total_tokens).toBe(4);
      // An idle gap, as before a real stale-connection failure, lets the pool reuse the connection.
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(stale).toEqual([server.url]);
    expect(server.connections()).toBe(2);
  });

  it("when nothing listens, then a connect failure that another backend may take", async () => {
    client = new LlamaClient({ backends: ["http://127.0.0.1:1"], timeouts, probeTimeoutMs: 500, tokenizeTimeoutMs: 200 });
    const err = await client
      .streamChat("http://127.0.0.1:1", {}, { signal: new AbortController().signal, onContent: () => {} })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe("connect");
    expect((err as UpstreamError).retryable).toBe(true);
    expect(await client.health("http://127.0.0.1:1")).toBe("down");
    expect(await client.tokenize("http://127.0.0.1:1", "hello")).toBeUndefined();
  });
});
