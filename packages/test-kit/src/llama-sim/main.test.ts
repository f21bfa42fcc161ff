import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseSimConfig } from "./env.ts";
import { postJson } from "./test-client.ts";

const packageDir = fileURLToPath(new URL("../..", import.meta.url));

describe("parseSimConfig", () => {
  it("when flags and env are both given, then flags win and values are typed", () => {
    const config = parseSimConfig(["--", "--port", "8081", "--embeddings-only", "--usage-mode", "separate-chunk"], {
      LLAMA_SIM_PORT: "9000",
      LLAMA_SIM_SLOTS: "2",
      LLAMA_SIM_TTFT_MS: "15",
      LLAMA_SIM_MODEL_ID: "m",
    });
    expect(config).toEqual({
      help: false,
      port: 8081,
      slots: 2,
      ttftMs: 15,
      modelId: "m",
      embeddingsOnly: true,
      usageMode: "separate-chunk",
    });
  });

  it("when a value is bad or a flag unknown, then it throws a clear message", () => {
    expect(() => parseSimConfig(["--slots", "two"], {})).toThrow(/--slots must be a non-negative integer/);
    expect(() => parseSimConfig([], { LLAMA_SIM_EMBEDDINGS_ONLY: "yes" })).toThrow(/LLAMA_SIM_EMBEDDINGS_ONLY/);
    expect(() => parseSimConfig(["--nope"], {})).toThrow();
  });

  it("when the newer-surface settings are given, then --no-jinja turns jinja off and the rest are typed", () => {
    expect(parseSimConfig(["--tools-mode", "legacy", "--no-jinja", "--vision", "--reranking"], {})).toEqual({
      help: false,
      toolsMode: "legacy",
      jinja: false,
      vision: true,
      reranking: true,
    });
    expect(parseSimConfig([], { LLAMA_SIM_NO_JINJA: "true", LLAMA_SIM_TOOLS_MODE: "streamed", LLAMA_SIM_RERANKING: "0" })).toEqual({
      help: false,
      jinja: false,
      toolsMode: "streamed",
      reranking: false,
    });
    expect(parseSimConfig([], { LLAMA_SIM_NO_JINJA: "false" }).jinja).toBe(true);
    expect(parseSimConfig(["--no-metrics"], {}).metrics).toBe(false);
    expect(parseSimConfig([], { LLAMA_SIM_NO_METRICS: "1" }).metrics).toBe(false);
    expect(() => parseSimConfig(["--tools-mode", "old"], {})).toThrow(/--tools-mode must be streamed or legacy, got "old"/);
  });

  it("when a boolean env var says false, then it is false", () => {
    expect(parseSimConfig([], { LLAMA_SIM_EMBEDDINGS_ONLY: "false" }).embeddingsOnly).toBe(false);
  });
});

describe("llama-sim CLI", () => {
  it("when run as a process, then it prints its url, serves and obeys the control API, and exits 0 on SIGTERM", async () => {
    const child = spawn(`${packageDir}/node_modules/.bin/tsx`, ["src/llama-sim/main.ts", "--port", "0", "--slots", "2"], {
      cwd: packageDir,
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const match = /^llama-sim \(SIMULATED llama-server, demo backend\) listening on (http:\/\/\S+)$/m.exec(out);
          if (match?.[1] !== undefined) resolve(match[1]);
        });
        child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      expect(((await (await fetch(`${url}/props`)).json()) as { total_slots: number }).total_slots).toBe(2);
      await postJson(`${url}/_sim/faults`, { failNext: 1, status: 500 });
      expect((await postJson(`${url}/v1/chat/completions`, { messages: [] })).status).toBe(500);
      expect((await postJson(`${url}/v1/chat/completions`, { messages: [] })).status).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }
    const code = child.exitCode ?? ((await once(child, "exit")) as [number | null])[0];
    expect(code).toBe(0);
  });
});
