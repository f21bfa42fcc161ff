import { afterEach, describe, expect, it } from "vitest";
import { embeddingFromBase64, simEmbedding, simTextEmbedding, simTokenize, startLlamaSim, type LlamaSim } from "./index.ts";
import { postJson } from "./test-client.ts";

let sim: LlamaSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

interface EmbeddingsBody {
  model: string;
  object: string;
  usage: Record<string, number>;
  data: { embedding: number[] | string; index: number; object: string }[];
}

async function embed(body: object): Promise<EmbeddingsBody> {
  sim ??= await startLlamaSim();
  const res = await postJson(`${sim.url}/v1/embeddings`, body);
  expect(res.status).toBe(200);
  return (await res.json()) as EmbeddingsBody;
}

describe("POST /v1/embeddings", () => {
  it("when input is a string, then it answers one normalised 64-float vector and usage without completion_tokens", async () => {
    const body = await embed({ input: "Once upon a time", model: "emb" });
    const tokens = simTokenize("Once upon a time").length + 1;
    expect(body).toMatchObject({ model: "emb", object: "list", usage: { prompt_tokens: tokens, total_tokens: tokens } });
    expect(body.usage).not.toHaveProperty("completion_tokens");
    const vector = body.data[0]!.embedding as number[];
    expect(vector).toHaveLength(64);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
    expect(body.data[0]).toMatchObject({ index: 0, object: "embedding" });
  });

  it("when the same text is embedded as float and as base64, then both decode to the same vector, base64 items saying so", async () => {
    const float = (await embed({ input: "a red ball" })).data[0]!.embedding as number[];
    const item = (await embed({ input: "a red ball", encoding_format: "base64" })).data[0]!;
    expect(item).toMatchObject({ index: 0, object: "embedding", encoding_format: "base64" });
    const base64 = item.embedding as string;
    expect(Array.from(embeddingFromBase64(base64))).toEqual(float);
    expect(float).toEqual(Array.from(simTextEmbedding("a red ball")));
  });

  it("when dimensions is asked, then it is ignored as llama-server ignores it", async () => {
    expect((await embed({ input: "a red ball", dimensions: 8 })).data[0]!.embedding).toHaveLength(64);
  });

  it("when input is an array of strings or of token arrays, then each gets its vector in order", async () => {
    const body = await embed({ input: ["one", "two words", [5, 6, 7]] });
    expect(body.data.map((d) => d.index)).toEqual([0, 1, 2]);
    expect(body.usage.prompt_tokens).toBe(2 + 3 + 3);
    expect(body.data[2]!.embedding).toEqual(Array.from(simEmbedding([5, 6, 7])));
    expect(body.data[0]!.embedding).not.toEqual(body.data[1]!.embedding);
  });

  it("when input is one token array, then it is one prompt taken as is", async () => {
    const body = await embed({ input: [10, 20, 30] });
    expect(body.data).toHaveLength(1);
    expect(body.usage.prompt_tokens).toBe(3);
  });

  it("when input is missing or ill-typed, then it answers llama's error statuses", async () => {
    sim = await startLlamaSim();
    expect((await postJson(`${sim.url}/v1/embeddings`, {})).status).toBe(400);
    expect((await postJson(`${sim.url}/v1/embeddings`, { input: { a: 1 } })).status).toBe(500);
    expect((await postJson(`${sim.url}/v1/embeddings`, "{oops")).status).toBe(500);
  });

  it("when the simulator is embeddings-only, then embeddings still work", async () => {
    sim = await startLlamaSim({ embeddingsOnly: true });
    expect((await embed({ input: "hi" })).data).toHaveLength(1);
  });
});
