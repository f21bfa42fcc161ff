import { describe, expect, it } from "vitest";
import { simTokenize, type LlamaSimOptions } from "./index.ts";
import { postJson, useSims } from "./test-client.ts";

const startSim = useSims();
const start = async (options: LlamaSimOptions = {}): Promise<string> => (await startSim(options)).url;

describe("info endpoints", () => {
  it("when /health is asked, then it answers 200 status ok", async () => {
    const url = await start();
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("when /props is asked, then it shows slots, model path, an empty chat template and n_ctx", async () => {
    const url = await start({ slots: 3, nCtx: 512, modelId: "/m/x.gguf" });
    expect(await (await fetch(`${url}/props`)).json()).toMatchObject({
      total_slots: 3,
      model_path: "/m/x.gguf",
      chat_template: "",
      bos_token: "<s>",
      eos_token: "</s>",
      build_info: expect.any(String),
      default_generation_settings: { n_ctx: 512 },
    });
  });

  it("when the sim copies build b4748, then /props and the finish chunk name that build (as OBSERVED.md measured); a chosen build wins", async () => {
    const legacy = await start({ toolsMode: "legacy" });
    expect(((await (await fetch(`${legacy}/props`)).json()) as { build_info: string }).build_info).toBe("b4748-c392e5094");
    const answer = await postJson(`${legacy}/v1/chat/completions`, { messages: [{ role: "user", content: "hi" }], max_tokens: 2 });
    expect(((await answer.json()) as { system_fingerprint: string }).system_fingerprint).toBe("b4748-c392e5094");
    const chosen = await start({ toolsMode: "legacy", buildInfo: "b0-unknown" });
    expect(((await (await fetch(`${chosen}/props`)).json()) as { build_info: string }).build_info).toBe("b0-unknown");
  });

  it("when /v1/models is asked, then it lists the model with stories260K's meta", async () => {
    const url = await start();
    expect(await (await fetch(`${url}/v1/models`)).json()).toEqual({
      object: "list",
      data: [
        {
          id: "/models/stories260K.gguf",
          object: "model",
          created: expect.any(Number),
          owned_by: "llamacpp",
          meta: { vocab_type: 1, n_vocab: 512, n_ctx_train: 2048, n_embd: 64, n_params: 292800, size: 1171200 },
        },
      ],
    });
  });

  it("when /slots is asked while idle, then it lists one idle slot per -np", async () => {
    const url = await start({ slots: 2 });
    const slots = (await (await fetch(`${url}/slots`)).json()) as Record<string, unknown>[];
    expect(slots).toHaveLength(2);
    expect(slots[1]).toMatchObject({ id: 1, id_task: -1, is_processing: false, next_token: { n_decoded: 0 } });
  });

  it("when /metrics is asked after a completion, then the llamacpp: counters show its tokens", async () => {
    const url = await start();
    const chat = { messages: [{ role: "user", content: "hi" }], max_tokens: 3 };
    const usage = ((await (await postJson(`${url}/v1/chat/completions`, chat)).json()) as { usage: { prompt_tokens: number } }).usage;
    const res = await fetch(`${url}/metrics`);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain(`llamacpp:prompt_tokens_total ${usage.prompt_tokens}\n`);
    expect(text).toContain("# TYPE llamacpp:tokens_predicted_total counter\nllamacpp:tokens_predicted_total 3\n");
    expect(text).toMatch(/^llamacpp:requests_deferred 0$/m);
    expect(text).not.toContain("kv_cache");
  });

  it("when /tokenize is asked, then it answers simTokenize's ids", async () => {
    const url = await start();
    const res = await postJson(`${url}/tokenize`, { content: "Once upon a time" });
    expect(await res.json()).toEqual({ tokens: simTokenize("Once upon a time") });
  });

  it("when a route is unknown, then it answers llama's 404", async () => {
    const url = await start();
    const res = await fetch(`${url}/v1/nothing`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 404, message: "File Not Found", type: "not_found_error" } });
  });

  it("when an api key is set, then all but /health and /v1/models need the bearer", async () => {
    const url = await start({ apiKey: "sekret" });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await fetch(`${url}/v1/models`)).status).toBe(200);
    const denied = await fetch(`${url}/slots`);
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ error: { code: 401, message: "Invalid API Key", type: "authentication_error" } });
    expect((await postJson(`${url}/v1/chat/completions`, { messages: [] })).status).toBe(401);
    const allowed = await postJson(`${url}/v1/chat/completions`, { messages: [] }, { headers: { Authorization: "Bearer sekret" } });
    expect(allowed.status).toBe(200);
  });
});
