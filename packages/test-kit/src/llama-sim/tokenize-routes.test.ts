import { describe, expect, it } from "vitest";
import { simTokenize } from "./index.ts";
import { postJson, useSims } from "./test-client.ts";

const start = useSims();

async function call(url: string, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await postJson(`${url}${path}`, body);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("POST /tokenize and /detokenize", () => {
  it("when text is tokenized then detokenized, then the text comes back, its whitespace folded to single spaces", async () => {
    const { url } = await start();
    const text = "Lily saw  a big\nred ball, didn't she?";
    const { tokens } = (await call(url, "/tokenize", { content: text })).body as { tokens: number[] };
    expect(tokens).toEqual(simTokenize(text));
    expect((await call(url, "/detokenize", { tokens })).body).toEqual({ content: "Lily saw a big red ball, didn't she?" });
  });

  it("when with_pieces and add_special are asked, then each id comes with its piece, BOS first", async () => {
    const { url } = await start();
    const { body } = await call(url, "/tokenize", { content: "Once upon a time", with_pieces: true, add_special: true });
    const [once, upon, a, time] = simTokenize("Once upon a time");
    expect(body).toEqual({
      tokens: [
        { id: 1, piece: "<s>" },
        { id: once, piece: "Once" },
        { id: upon, piece: " upon" },
        { id: a, piece: " a" },
        { id: time, piece: " time" },
      ],
    });
  });

  it("when ids no client tokenized are detokenized, then each gives a vocabulary piece that tokenizes back to it", async () => {
    const { url } = await start();
    const ids = [3, 77, 200, 511];
    for (const id of ids) {
      const { content } = (await call(url, "/detokenize", { tokens: [id] })).body as { content: string };
      expect(simTokenize(content)).toEqual([id]);
    }
    expect((await call(url, "/detokenize", { tokens: [1, 2] })).body).toEqual({ content: "<s></s>" });
    expect((await call(url, "/detokenize", {})).body).toEqual({ content: "" });
  });

  it("when a token is not an integer, then detokenize is a 500, as the real server's JSON conversion fails", async () => {
    const { url } = await start();
    expect(await call(url, "/detokenize", { tokens: ["a"] })).toMatchObject({ status: 500, body: { error: { type: "server_error" } } });
  });
});
