import { z } from "zod";
import { Text } from "./text.ts";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Any JSON a client may send inside a field (enum values, defaults, examples): its strings storable text. */
export const JsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([Text, z.number(), z.boolean(), z.null(), z.array(JsonValue), z.record(z.string(), JsonValue)]),
);

/** Deeper than any schema a person writes, shallow enough that checking it never exhausts the stack. */
export const MAX_JSON_DEPTH = 32;

/** Depth of nested arrays and objects, counted without recursion (a hostile body cannot overflow the stack here). */
export function jsonDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== "object" || node === null) continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_JSON_DEPTH) return deepest;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

const SchemaType = z.enum(["string", "number", "integer", "boolean", "object", "array", "null"]);
const count = z.number().int().min(0);

export type JsonSchema = { [key: string]: JsonValue };

/**
 * A JSON Schema (draft 2020-12, as OpenAI and llama.cpp's json_schema_to_grammar read it): the
 * keywords that shape an output are type-checked, schemas nest where the keywords say, and any
 * other keyword must be plain JSON. `true`/`false` stand for "anything"/"nothing" where a
 * sub-schema is expected.
 */
export const JsonSchemaObject: z.ZodType<JsonSchema> = z.lazy(() => {
  const sub = z.union([z.boolean(), JsonSchemaObject]);
  const schemas = z.array(sub).min(1);
  const named = z.record(z.string(), sub);
  return z
    .looseObject({
      type: z.union([SchemaType, z.array(SchemaType).min(1)]).optional(),
      properties: named.optional(),
      patternProperties: named.optional(),
      additionalProperties: sub.optional(),
      required: z.array(Text).optional(),
      items: z.union([sub, z.array(sub)]).optional(),
      prefixItems: z.array(sub).optional(),
      anyOf: schemas.optional(),
      oneOf: schemas.optional(),
      allOf: schemas.optional(),
      not: sub.optional(),
      enum: z.array(JsonValue).min(1).optional(),
      const: JsonValue.optional(),
      $defs: named.optional(),
      definitions: named.optional(),
      $ref: Text.optional(),
      minLength: count.optional(),
      maxLength: count.optional(),
      minItems: count.optional(),
      maxItems: count.optional(),
      minProperties: count.optional(),
      maxProperties: count.optional(),
      minimum: z.number().optional(),
      maximum: z.number().optional(),
      exclusiveMinimum: z.number().optional(),
      exclusiveMaximum: z.number().optional(),
      pattern: Text.optional(),
      format: Text.optional(),
      title: Text.optional(),
      description: Text.optional(),
    })
    .catchall(JsonValue) as unknown as z.ZodType<JsonSchema>;
});

/** A JSON Schema object, depth-checked before it is walked. */
export const BoundedJsonSchema = z
  .unknown()
  .refine((v) => jsonDepth(v) <= MAX_JSON_DEPTH, `must not nest deeper than ${MAX_JSON_DEPTH} levels`)
  .pipe(JsonSchemaObject)
  .describe(`A JSON Schema object (draft 2020-12 keywords checked, at most ${MAX_JSON_DEPTH} levels deep).`);

/** A function's `parameters`: an object schema, as OpenAI requires (its arguments are always a JSON object). */
export const ParametersSchema = BoundedJsonSchema.refine((s) => s.type === undefined || s.type === "object", {
  message: "must be an object schema (type 'object')",
  path: ["type"],
});
