import { randomBytes } from "node:crypto";
import { jsonInstance } from "./json-instance.ts";
import { LlamaError } from "./llama-response.ts";
import { hashText, storyWords } from "./sim-completion.ts";
import { messageText, simPieces, type SimMessage } from "./sim-tokenize.ts";

export interface ToolSpec {
  name: string;
  parameters: unknown;
}

export type ToolChoice = "none" | "auto" | "required";

/** One call the "model" makes: its arguments as the tokens it writes them in. */
export interface PlannedCall {
  id: string;
  name: string;
  pieces: string[];
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** nlohmann's at() on a missing key, the error common_chat_tools_parse_oaicompat rethrows. */
const missingKey = (key: string): Error => new Error(`[json.exception.out_of_range.403] key '${key}' not found`);

/**
 * The request's `tools`, checked as common_chat_tools_parse_oaicompat does: each a function with a
 * name; build b4748 also needs `description` and `parameters` on each (nlohmann's at()), newer
 * builds default them. Any error is a 500 that quotes the tools as nlohmann's dump(2) prints them.
 */
export function parseTools(tools: unknown, legacy: boolean): ToolSpec[] {
  if (tools === undefined || tools === null) return [];
  try {
    if (!Array.isArray(tools)) throw new Error(`Expected 'tools' to be an array, got ${JSON.stringify(tools)}`);
    return tools.map((tool: unknown) => {
      if (!isRecord(tool) || tool.type === undefined) throw new Error(`Missing tool type: ${JSON.stringify(tool)}`);
      if (tool.type !== "function") throw new Error(`Unsupported tool type: ${JSON.stringify(tool)}`);
      const fn = tool.function;
      if (fn === undefined) throw new Error(`Missing tool function: ${JSON.stringify(tool)}`);
      if (!isRecord(fn) || fn.name === undefined) throw missingKey("name");
      if (legacy && fn.description === undefined) throw missingKey("description");
      if (legacy && fn.parameters === undefined) throw missingKey("parameters");
      return { name: String(fn.name), parameters: fn.parameters ?? {} };
    });
  } catch (error) {
    throw new LlamaError(500, `Failed to parse tools: ${(error as Error).message}; tools = ${JSON.stringify(tools, null, 2)}`);
  }
}

/**
 * `tool_choice` as llama-server reads it: a string, "auto" when absent. An object such as
 * `{"type":"function","function":{"name":...}}` has the wrong type for its json_value and so
 * falls back to "auto" too; the real server does not force the named function.
 */
export function parseToolChoice(choice: unknown): ToolChoice {
  if (typeof choice !== "string") return "auto";
  if (choice === "auto" || choice === "none" || choice === "required") return choice;
  throw new LlamaError(500, `Invalid tool_choice: ${choice}`);
}

const TOOL_WORD = /\btools?\b/i;

/**
 * The simulated model's deterministic rule for calling tools, so tests can steer it:
 * - never with tool_choice "none", nor when the last message is a `tool` result (it answers the
 *   results in text, so a two-step tool loop ends);
 * - always with "required";
 * - with "auto" (the default) when the last message is the user's and its text names one of the
 *   tools (case-insensitively) or says "tool".
 * It calls the tools the last message names, in `tools` order, or the first tool when it names
 * none; only the first of them unless parallel_tool_calls is true.
 */
export function chooseTools(
  tools: readonly ToolSpec[],
  choice: ToolChoice,
  parallel: boolean,
  messages: readonly SimMessage[],
): ToolSpec[] {
  const last = messages[messages.length - 1];
  if (tools.length === 0 || choice === "none" || last?.role === "tool") return [];
  const text = last === undefined ? "" : messageText(last).toLowerCase();
  const named = tools.filter((t) => t.name !== "" && text.includes(t.name.toLowerCase()));
  if (choice === "auto" && (last?.role !== "user" || (named.length === 0 && !TOOL_WORD.test(text)))) return [];
  const chosen = named.length > 0 ? named : tools.slice(0, 1);
  return parallel ? chosen : chosen.slice(0, 1);
}

const ID_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Newer builds' gen_tool_call_id: 32 random alphanumerics. Build b4748 leaves ids empty. */
function toolCallId(legacy: boolean): string {
  if (legacy) return "";
  let id = "";
  for (const byte of randomBytes(32)) id += ID_CHARS[byte % ID_CHARS.length];
  return id;
}

/** The calls for the chosen tools: arguments a minimal valid instance of each one's `parameters`, words from the story. */
export function planCalls(chosen: readonly ToolSpec[], promptText: string, legacy: boolean): PlannedCall[] {
  return chosen.map((tool) => {
    const args = jsonInstance(tool.parameters, storyWords(hashText(`${promptText}\u0000${tool.name}`)));
    // Arguments are always an object, even for a `parameters` schema that allows anything.
    return { id: toolCallId(legacy), name: tool.name, pieces: simPieces(JSON.stringify(isRecord(args) ? args : {})) };
  });
}

/**
 * What build b4748's Generic chat format makes the model write for these calls (the grammar allows
 * nothing else): `{"tool_call":{"name":…,"arguments":{…}}}`, or `{"tool_calls":[…]}` for several.
 */
export function genericToolText(calls: readonly PlannedCall[]): string {
  const call = (c: PlannedCall) => ({ name: c.name, arguments: JSON.parse(c.pieces.join("")) as unknown });
  return JSON.stringify(calls.length === 1 && calls[0] !== undefined ? { tool_call: call(calls[0]) } : { tool_calls: calls.map(call) });
}
