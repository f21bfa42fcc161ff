import { ChatCompletionChunk, chatCompletionOf, type ChatJob, type ToolCallDelta } from "@gateway/contracts";
import { simPromptTokens } from "@gateway/test-kit/llama-sim";
import { describe, expect, it } from "vitest";
import type { Harness } from "./worker-harness.ts";
import { useWorkerHarness } from "./worker-harness.ts";

const { sims, setup } = useWorkerHarness();

const weather = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};
const ask = [{ role: "user" as const, content: "What is get_weather in Paris?" }];

async function runTools(h: Harness, stream: boolean, params: Partial<ChatJob["params"]> = {}) {
  const job = h.job({ stream }, { messages: ask, tools: [weather], max_tokens: 200, ...params });
  await h.submit(job);
  const { chunks, final } = await h.finished(job.request_id);
  const deltas = chunks.flatMap((c) => ChatCompletionChunk.parse(c.chunk).choices[0]?.delta.tool_calls ?? []);
  return { job, chunks, final, completion: chatCompletionOf(final as never), deltas };
}

/** The calls a stream's deltas add up to, as the OpenAI SDK accumulates them. */
function assemble(deltas: readonly ToolCallDelta[]) {
  const calls: { id?: string; name?: string; arguments: string }[] = [];
  for (const d of deltas) {
    const call = (calls[d.index] ??= { arguments: "" });
    if (d.id) call.id = d.id;
    if (d.function?.name) call.name = d.function.name;
    call.arguments += d.function?.arguments ?? "";
  }
  return calls;
}

describe("tool calls", () => {
  it("when a newer build streams tool calls, then the client gets OpenAI's deltas (id, type, name once, arguments in pieces) and the result the same call", async () => {
    const h = await setup(1);
    const { final, completion, deltas } = await runTools(h, true);
    expect(final.type).toBe("result");
    const call = completion?.choices[0]?.message.tool_calls?.[0];
    expect(call).toMatchObject({ type: "function", function: { name: "get_weather" } });
    expect(call?.id).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(JSON.parse(call!.function.arguments)).toEqual({ city: expect.any(String) });
    expect(deltas.filter((d) => d.id !== undefined)).toEqual([
      { index: 0, id: call?.id, type: "function", function: { name: "get_weather", arguments: "" } },
    ]);
    expect(deltas.length).toBeGreaterThan(2);
    expect(assemble(deltas)).toEqual([{ id: call?.id, name: "get_weather", arguments: call?.function.arguments }]);
    expect(completion?.choices[0]).toMatchObject({ finish_reason: "tool_calls", message: { content: null } });
    const usage = await h.usageEvents();
    expect(usage[0]?.data).toMatchObject({ outcome: "succeeded", completion_tokens: completion?.usage.completion_tokens });
    expect(completion?.usage.prompt_tokens).toBe(simPromptTokens(ask, undefined, [weather]));
  });

  it("when b4748 (known from /props) is asked for tools on a stream, then the worker asks it whole and streams OpenAI's deltas, with call_ ids", async () => {
    const h = await setup(1, { toolsMode: "legacy" });
    await expect.poll(() => h.worker.pool.get(sims[0]!.url)?.meta.streamed_tools).toBe(false);
    const before = sims[0]!.stats.generations;
    const { completion, deltas, chunks } = await runTools(h, true);
    const call = completion?.choices[0]?.message.tool_calls?.[0];
    expect(call?.id).toMatch(/^call_[A-Za-z0-9_-]{24}$/);
    expect(assemble(deltas)).toEqual([{ id: call?.id, name: "get_weather", arguments: call?.function.arguments }]);
    expect(ChatCompletionChunk.parse(chunks[0]?.chunk).choices[0]?.delta.role).toBe("assistant");
    expect(ChatCompletionChunk.parse(chunks.at(-1)?.chunk).choices[0]?.finish_reason).toBe("tool_calls");
    // One request, never the refused stream: the backend's facts said so.
    expect(sims[0]!.stats.generations - before).toBe(1);
    expect(await h.metricValue("gateway_backend_failovers_total")).toBe(0);
  });

  it("when a backend whose build says nothing refuses tools on a stream, then the same attempt asks it whole, invisibly, and it is remembered", async () => {
    const h = await setup(1, { toolsMode: "legacy", buildInfo: "b0-unknown" });
    expect(h.worker.pool.get(sims[0]!.url)?.meta.streamed_tools).toBeUndefined();
    const first = sims[0]!.stats.generations;
    const { completion } = await runTools(h, false);
    expect(completion?.choices[0]?.message.tool_calls?.[0]?.id).toMatch(/^call_/);
    expect(sims[0]!.stats.generations - first).toBe(2);
    expect(h.worker.pool.get(sims[0]!.url)?.meta.streamed_tools).toBe(false);
    const second = sims[0]!.stats.generations;
    await runTools(h, true);
    expect(sims[0]!.stats.generations - second).toBe(1);
    expect(await h.metricValue("gateway_backend_failovers_total")).toBe(0);
    expect(h.worker.pool.get(sims[0]!.url)?.breaker.state).toBe("closed");
  });

  it("when b4748 gets a tool without description and a named tool_choice, then it still calls that tool", async () => {
    const h = await setup(1, { toolsMode: "legacy" });
    const bare = { type: "function" as const, function: { name: "get_time", parameters: { type: "object", properties: {} } } };
    const job = h.job(
      {},
      {
        messages: [{ role: "user", content: "Hello there" }],
        tools: [bare, weather],
        tool_choice: { type: "function", function: { name: "get_time" } },
        max_tokens: 200,
      },
    );
    await h.submit(job);
    const { final } = await h.finished(job.request_id);
    expect(chatCompletionOf(final as never)?.choices[0]?.message.tool_calls?.map((c) => c.function.name)).toEqual(["get_time"]);
  });

  it("when tools come with logprobs, then the answer is asked whole (newer builds refuse them on a stream) and carries both", async () => {
    const h = await setup(1);
    const { completion, chunks } = await runTools(h, true, { logprobs: true, top_logprobs: 2 });
    const choice = completion?.choices[0];
    expect(choice?.message.tool_calls).toHaveLength(1);
    expect(choice?.logprobs?.content?.length).toBe(completion?.usage.completion_tokens);
    expect(choice?.logprobs?.content?.every((e) => e.top_logprobs.length === 2)).toBe(true);
    expect(chunks.length).toBeGreaterThan(1);
  });
});
