import { jsonInstance } from "./json-instance.ts";
import { LlamaError } from "./llama-response.ts";
import { storyWords } from "./sim-completion.ts";

/** What constrains the output: nothing, a JSON schema (json_object is the schema `{}`), or a GBNF grammar. */
export type OutputFormat = { kind: "text" } | { kind: "json"; schema: unknown } | { kind: "grammar" };

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
const TEXT: OutputFormat = { kind: "text" };

/**
 * `response_format`, `json_schema` and `grammar` as oaicompat_completion_params_parse reads them.
 * Build b4748 drops `{"type":"json_schema"}`'s schema (a shadowed variable there), so its output
 * is free text; newer builds honour it. An unknown type is a 500 on b4748, a 400 on newer builds.
 */
export function parseOutputFormat(body: Record<string, unknown>, legacy: boolean): OutputFormat {
  let schema = body.json_schema ?? null;
  const grammar = typeof body.grammar === "string" ? body.grammar : "";
  if (schema !== null && grammar !== "") throw new LlamaError(500, "Cannot use both json_schema and grammar");
  const format = body.response_format;
  if (format !== undefined) {
    const type = isRecord(format) && typeof format.type === "string" ? format.type : "";
    if (type === "json_object") {
      schema = isRecord(format) && format.schema !== undefined ? format.schema : {};
    } else if (type === "json_schema") {
      if (!legacy) schema = isRecord(format) && isRecord(format.json_schema) ? (format.json_schema.schema ?? {}) : {};
    } else if (type !== "" && type !== "text") {
      throw new LlamaError(legacy ? 500 : 400, `response_format type must be one of "text" or "json_object", but got: ${type}`);
    }
  }
  if (schema !== null) return { kind: "json", schema };
  return grammar !== "" ? { kind: "grammar" } : TEXT;
}

/**
 * The JSON the "model" writes under a schema: a minimal valid instance whose strings are story
 * words from `offset`. A schema that allows any object (`{}`, json_object's default, or an object
 * with no properties, required keys or additionalProperties false) gets `{"text": <storyText>}`, so its length follows naturalTokens.
 */
export function jsonOutput(schema: unknown, offset: number, storyText: string): string {
  const open =
    !isRecord(schema) ||
    Object.keys(schema).length === 0 ||
    (schema.type === "object" && schema.properties === undefined && schema.required === undefined && schema.additionalProperties !== false);
  if (open) return JSON.stringify({ text: storyText.trim() });
  return JSON.stringify(jsonInstance(schema, storyWords(offset)));
}
