import { describe, expect, it } from "vitest";
import { simRerankScore, simTokenize } from "./index.ts";
import { postJson, useSims } from "./test-client.ts";

const start = useSims();
const query = "a red ball in the park";
const documents = ["Lily went home.", "She saw a big red ball in the park.", "The ball was red."];

async function rerank(url: string, body: object, path = "/v1/rerank") {
  const res = await postJson(`${url}${path}`, body);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("POST /v1/rerank", () => {
  it("when the server runs without --reranking, then every alias answers 501 as each build words it", async () => {
    const { url } = await start();
    for (const path of ["/v1/rerank", "/rerank", "/reranking", "/v1/reranking"]) {
      expect(await rerank(url, { query, documents }, path)).toEqual({
        status: 501,
        body: {
          error: { code: 501, message: "This server does not support reranking. Start it with `--reranking`", type: "not_supported_error" },
        },
      });
    }
    const legacy = await start({ toolsMode: "legacy" });
    expect((await rerank(legacy.url, {})).body).toMatchObject({
      error: { message: "This server does not support reranking. Start it with `--reranking` and without `--embedding`" },
    });
  });

  it("when reranking is on, then results come sorted by score, top_n kept, with usage of the formatted prompts", async () => {
    const { url } = await start({ reranking: true });
    const { status, body } = await rerank(url, { model: "r", query, documents, top_n: 2 });
    expect(status).toBe(200);
    const scores = documents.map((d) => simRerankScore(query, d));
    const promptTokens = documents.reduce((n, d) => n + 4 + simTokenize(query).length + simTokenize(d).length, 0);
    expect(body).toEqual({
      model: "r",
      object: "list",
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
      results: [
        { index: 1, relevance_score: scores[1] },
        { index: 2, relevance_score: scores[2] },
      ],
    });
    expect(scores[1]).toBeGreaterThan(scores[2]!);
    expect(scores[2]).toBeGreaterThan(scores[0]!);
  });

  it("when toolsMode is legacy, then results keep the documents' order and top_n is ignored, as on b4748", async () => {
    const { url } = await start({ reranking: true, toolsMode: "legacy" });
    const { body } = await rerank(url, { query, documents, top_n: 1 });
    expect((body.results as { index: number }[]).map((r) => r.index)).toEqual([0, 1, 2]);
    expect(body.model).toBe("gpt-3.5-turbo");
  });

  it("when the body has texts, then it answers TEI's shape, with the texts when return_text is true", async () => {
    const { url } = await start({ reranking: true });
    const { body } = await rerank(url, { query, texts: documents, return_text: true });
    expect(body).toEqual([
      { index: 1, score: simRerankScore(query, documents[1]!), text: documents[1] },
      { index: 2, score: simRerankScore(query, documents[2]!), text: documents[2] },
      { index: 0, score: simRerankScore(query, documents[0]!), text: documents[0] },
    ]);
  });

  it.each([
    ["no query", { documents }, '"query" must be provided'],
    ["a query that is no string", { query: 1, documents }, '"query" must be a string'],
    ["no documents", { query }, '"documents" must be a non-empty string array'],
    ["documents that are not strings", { query, documents: [1, 2] }, '"documents" must be a non-empty string array'],
  ])("when the body has %s, then it is a 400", async (_name, body, message) => {
    const { url } = await start({ reranking: true });
    expect(await rerank(url, body)).toEqual({ status: 400, body: { error: { code: 400, message, type: "invalid_request_error" } } });
  });
});
