import { describe, expect, it } from "vitest";
import { z } from "zod";
import { specificIssues } from "./zod-issues.ts";

const pathsOf = (schema: z.ZodType, value: unknown) =>
  specificIssues(schema.safeParse(value).error?.issues ?? []).map((i) => i.path.join("."));

describe("specificIssues", () => {
  const content = z.union([
    z.string(),
    z.array(
      z.discriminatedUnion("type", [
        z.object({ type: z.literal("text"), text: z.string() }),
        z.object({ type: z.literal("image_url"), url: z.url() }),
      ]),
    ),
  ]);

  it("when a value is a union's array with a bad part, then the issue names the part's field, not the union", () => {
    expect(
      pathsOf(content, [
        { type: "text", text: "a" },
        { type: "image_url", url: "nope" },
      ]),
    ).toEqual(["1.url"]);
    expect(pathsOf(content, [{ type: "input_audio" }])).toEqual(["0.type"]);
  });

  it("when one option had the types right but a value wrong (too many items), then that option's issue wins over a deeper type mismatch", () => {
    const input = z.union([z.string(), z.array(z.string()).max(2), z.array(z.number())]);
    expect(specificIssues(input.safeParse(["a", "b", "c"]).error!.issues)[0]).toMatchObject({ code: "too_big", path: [] });
  });

  it("when no option had even the type, then the union's own issue stays", () => {
    expect(specificIssues(content.safeParse(5).error!.issues)[0]?.code).toBe("invalid_union");
  });
});
