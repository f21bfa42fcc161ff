import { parseArgs } from "node:util";
import type { LlamaSimOptions } from "./types.ts";

/** "not-bool" is a flag that turns an option off (`--no-jinja` sets jinja false). */
type Kind = "int" | "string" | "bool" | "not-bool" | "choice";

interface Setting {
  flag: string;
  env: string;
  key: keyof LlamaSimOptions;
  kind: Kind;
  choices?: readonly string[];
}

/** Each CLI flag and the environment variable that sets it when the flag is absent. */
const SETTINGS: Setting[] = [
  { flag: "port", env: "LLAMA_SIM_PORT", key: "port", kind: "int" },
  { flag: "host", env: "LLAMA_SIM_HOST", key: "host", kind: "string" },
  { flag: "slots", env: "LLAMA_SIM_SLOTS", key: "slots", kind: "int" },
  { flag: "n-ctx", env: "LLAMA_SIM_N_CTX", key: "nCtx", kind: "int" },
  { flag: "ttft-ms", env: "LLAMA_SIM_TTFT_MS", key: "ttftMs", kind: "int" },
  { flag: "inter-token-ms", env: "LLAMA_SIM_INTER_TOKEN_MS", key: "interTokenMs", kind: "int" },
  { flag: "natural-tokens", env: "LLAMA_SIM_NATURAL_TOKENS", key: "naturalTokens", kind: "int" },
  { flag: "model-id", env: "LLAMA_SIM_MODEL_ID", key: "modelId", kind: "string" },
  { flag: "loading-ms", env: "LLAMA_SIM_LOADING_MS", key: "loadingMs", kind: "int" },
  { flag: "api-key", env: "LLAMA_SIM_API_KEY", key: "apiKey", kind: "string" },
  { flag: "embeddings-only", env: "LLAMA_SIM_EMBEDDINGS_ONLY", key: "embeddingsOnly", kind: "bool" },
  { flag: "usage-mode", env: "LLAMA_SIM_USAGE_MODE", key: "usageMode", kind: "choice", choices: ["final-chunk", "separate-chunk"] },
  { flag: "tools-mode", env: "LLAMA_SIM_TOOLS_MODE", key: "toolsMode", kind: "choice", choices: ["streamed", "legacy"] },
  { flag: "no-jinja", env: "LLAMA_SIM_NO_JINJA", key: "jinja", kind: "not-bool" },
  { flag: "vision", env: "LLAMA_SIM_VISION", key: "vision", kind: "bool" },
  { flag: "reranking", env: "LLAMA_SIM_RERANKING", key: "reranking", kind: "bool" },
  { flag: "build-info", env: "LLAMA_SIM_BUILD_INFO", key: "buildInfo", kind: "string" },
  { flag: "no-metrics", env: "LLAMA_SIM_NO_METRICS", key: "metrics", kind: "not-bool" },
];

const isBool = (kind: Kind): boolean => kind === "bool" || kind === "not-bool";

export const USAGE = `Usage: llama-sim [options]   (each also as an environment variable)
${SETTINGS.map((s) => `  --${s.flag.padEnd(16)} ${s.env}`).join("\n")}`;

function convert(name: string, { kind, choices = [] }: Setting, raw: string): unknown {
  switch (kind) {
    case "int": {
      if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
      return Number(raw);
    }
    // Never Boolean(raw): "false" would be true.
    case "bool":
    case "not-bool": {
      const negate = kind === "not-bool";
      if (raw === "true" || raw === "1") return !negate;
      if (raw === "false" || raw === "0" || raw === "") return negate;
      throw new Error(`${name} must be true or false, got "${raw}"`);
    }
    case "choice": {
      if (!choices.includes(raw)) throw new Error(`${name} must be ${choices.join(" or ")}, got "${raw}"`);
      return raw;
    }
    case "string":
      return raw;
  }
}

/**
 * The simulator's options from command-line flags, then the environment. Throws a message fit
 * for the user on a bad value or an unknown flag.
 */
export function parseSimConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): LlamaSimOptions & { help: boolean } {
  // `pnpm run sim -- --port 1` may hand the "--" through.
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  const { values } = parseArgs({
    args,
    options: {
      help: { type: "boolean", short: "h" },
      ...Object.fromEntries(SETTINGS.map((s) => [s.flag, isBool(s.kind) ? { type: "boolean" as const } : { type: "string" as const }])),
    },
  });
  const options: Record<string, unknown> = { help: values.help === true };
  for (const s of SETTINGS) {
    const flag = (values as Record<string, string | boolean | undefined>)[s.flag];
    // `--no-jinja` sets jinja to false.
    if (typeof flag === "boolean") options[s.key] = s.kind === "not-bool" ? !flag : flag;
    else if (typeof flag === "string") options[s.key] = convert(`--${s.flag}`, s, flag);
    else if (env[s.env] !== undefined) options[s.key] = convert(s.env, s, env[s.env] ?? "");
  }
  return options as unknown as LlamaSimOptions & { help: boolean };
}

export function loadSimConfig(argv = process.argv.slice(2)): LlamaSimOptions & { help: boolean } {
  return parseSimConfig(argv, process.env);
}
