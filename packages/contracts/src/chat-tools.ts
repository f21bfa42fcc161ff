import { z } from "zod";
import { BoundedJsonSchema, ParametersSchema } from "./json-schema.ts";
import { Text } from "./text.ts";

/** OpenAI's rule for function and schema names: they end up in prompts and grammars, so nothing exotic. */
export const FunctionName = Text.regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, '_' or '-'");

/** OpenAI's own limit on tools per request. */
export const MAX_TOOLS = 128;

export const FunctionTool = z.strictObject({
  type: z.literal("function"),
  function: z.strictObject({
    name: FunctionName,
    description: Text.max(8_192).optional(),
    parameters: ParametersSchema.optional(),
    /** llama.cpp always constrains arguments to the schema with a grammar: strict or not, the output follows it. */
    strict: z.boolean().nullable().optional(),
  }),
});
export type FunctionTool = z.infer<typeof FunctionTool>;

export const NamedToolChoice = z.strictObject({ type: z.literal("function"), function: z.strictObject({ name: FunctionName }) });
export const ToolChoice = z.union([z.enum(["none", "auto", "required"]), NamedToolChoice]);
export type ToolChoice = z.infer<typeof ToolChoice>;

/** A call the model made, as an assistant message carries it (and as clients send it back). */
export const ToolCall = z.object({
  id: z.string(),
  type: z.literal("function"),
  function: z.object({ name: z.string(), arguments: z.string() }),
});
export type ToolCall = z.infer<typeof ToolCall>;

/** A call in a client's assistant message: its id is what the answering tool message names. */
export const RequestToolCall = z.strictObject({
  id: Text.min(1).max(256),
  type: z.literal("function"),
  function: z.strictObject({ name: FunctionName, arguments: Text.max(1_000_000) }),
});

/** One piece of a streamed call: the first names it (index, id, type, name), later ones carry arguments. */
export const ToolCallDelta = z.object({
  index: z.number().int().min(0),
  id: z.string().optional(),
  type: z.literal("function").optional(),
  function: z.object({ name: z.string().optional(), arguments: z.string().optional() }).optional(),
});
export type ToolCallDelta = z.infer<typeof ToolCallDelta>;

export const ResponseFormat = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("text") }),
  z.strictObject({ type: z.literal("json_object") }),
  z.strictObject({
    type: z.literal("json_schema"),
    json_schema: z.strictObject({
      name: FunctionName,
      description: Text.max(8_192).optional(),
      schema: BoundedJsonSchema.optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);
export type ResponseFormat = z.infer<typeof ResponseFormat>;
