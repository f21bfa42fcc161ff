import { describe, expect, it } from "vitest";
import { MAX_RERANK_DOCUMENTS, rerankRequest } from "./rerank.ts";

const schema = rerankRequest({ maxContentChars: 20, models: new Set(["r"]) });
const pathOf = (body: unknown) => schema.safeParse(body).error?.issues[0]?.path.join(".");

describe("rerankRequest", () => {
  it("when query, documents, top_n and return_documents are sent, then they are accepted", () => {
    expect(schema.safeParse({ model: "r", query: "cat", documents: ["a cat", "a dog"], top_n: 1, return_documents: true }).success).toBe(
      true,
    );
  });

  it.each([
    [{ query: "" }, "query"],
    [{ documents: [] }, "documents"],
    [{ documents: ["ok", "x".repeat(21)] }, "documents.1"],
    [{ documents: Array.from({ length: MAX_RERANK_DOCUMENTS + 1 }, () => "a") }, "documents"],
    [{ top_n: 0 }, "top_n"],
    [{ model: "chat-only" }, "model"],
    [{ texts: ["a"] }, ""],
  ])("when the request has %j, then '%s' is named", (extra, path) => {
    expect(pathOf({ model: "r", query: "q", documents: ["d"], ...extra })).toBe(path);
  });
});
