/**
 * A minimal instance of a JSON schema, standing for what a grammar-constrained model would write:
 * required properties only (more when minProperties asks), minItems items, the first enum value,
 * const, the first anyOf/oneOf branch, allOf merged, local $refs followed; a number is 0 unless
 * its bounds or multipleOf exclude it. Strings take the next word from `words` (so output follows
 * the prompt), fitted to minLength/maxLength; known formats get a fixed valid value; `pattern` is
 * not honoured.
 */
type Schema = Record<string, unknown>;

const isSchema = (x: unknown): x is Schema => typeof x === "object" && x !== null && !Array.isArray(x);

const FORMATS: Record<string, string> = {
  date: "2025-02-20",
  "date-time": "2025-02-20T12:00:00Z",
  time: "12:00:00",
  email: "lily@example.com",
  uri: "https://example.com/",
  url: "https://example.com/",
  uuid: "00000000-0000-4000-8000-000000000000",
  ipv4: "127.0.0.1",
  ipv6: "::1",
  hostname: "example.com",
};

/** Stops a self-referencing schema from recursing without end. */
const MAX_DEPTH = 16;

export function jsonInstance(schema: unknown, words: () => string): unknown {
  const root = isSchema(schema) ? schema : {};
  return instanceOf(root, root, words, 0);
}

function resolveRef(ref: string, root: Schema): Schema {
  if (!ref.startsWith("#")) return {};
  let node: unknown = root;
  for (const key of ref.slice(1).split("/").filter(Boolean)) {
    node = isSchema(node) ? node[key.replaceAll("~1", "/").replaceAll("~0", "~")] : undefined;
  }
  return isSchema(node) ? node : {};
}

function mergeAllOf(schema: Schema, root: Schema): Schema {
  const merged: Schema = { ...schema, allOf: undefined };
  const properties: Schema = { ...(isSchema(schema.properties) ? schema.properties : {}) };
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  for (const part of schema.allOf as unknown[]) {
    const sub = isSchema(part) && typeof part.$ref === "string" ? resolveRef(part.$ref, root) : part;
    if (!isSchema(sub)) continue;
    Object.assign(merged, sub, { properties, required: undefined });
    if (isSchema(sub.properties)) Object.assign(properties, sub.properties);
    if (Array.isArray(sub.required)) for (const r of sub.required) required.add(r);
  }
  return { ...merged, properties, required: [...required] };
}

function instanceOf(schema: Schema, root: Schema, words: () => string, depth: number): unknown {
  if (depth > MAX_DEPTH) return null;
  if (typeof schema.$ref === "string") return instanceOf(resolveRef(schema.$ref, root), root, words, depth + 1);
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0] ?? null;
  if (Array.isArray(schema.allOf)) return instanceOf(mergeAllOf(schema, root), root, words, depth + 1);
  for (const key of ["anyOf", "oneOf"]) {
    const options = schema[key];
    if (Array.isArray(options) && isSchema(options[0])) return instanceOf(options[0], root, words, depth + 1);
  }
  const type = Array.isArray(schema.type) ? (schema.type.find((t) => t !== "null") ?? schema.type[0]) : schema.type;
  switch (type) {
    case "object":
      return objectOf(schema, root, words, depth);
    case "array":
      return arrayOf(schema, root, words, depth);
    case "string":
      return stringOf(schema, words);
    case "number":
    case "integer":
      return numberOf(schema, type === "integer");
    case "boolean":
      return false;
    case "null":
      return null;
    default:
      return isSchema(schema.properties) ? objectOf(schema, root, words, depth) : words();
  }
}

function objectOf(schema: Schema, root: Schema, words: () => string, depth: number): Record<string, unknown> {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const keys = Array.isArray(schema.required) ? schema.required.filter((k): k is string => typeof k === "string") : [];
  const minProperties = typeof schema.minProperties === "number" ? schema.minProperties : 0;
  for (const key of Object.keys(properties)) {
    if (keys.length >= minProperties) break;
    if (!keys.includes(key)) keys.push(key);
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const sub = properties[key];
    out[key] = instanceOf(isSchema(sub) ? sub : {}, root, words, depth + 1);
  }
  return out;
}

function arrayOf(schema: Schema, root: Schema, words: () => string, depth: number): unknown[] {
  const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
  const minItems = typeof schema.minItems === "number" ? schema.minItems : 0;
  const out: unknown[] = [];
  for (let i = 0; i < minItems; i++) {
    const sub = i < prefix.length ? prefix[i] : schema.items;
    out.push(instanceOf(isSchema(sub) ? sub : {}, root, words, depth + 1));
  }
  return out;
}

function stringOf(schema: Schema, words: () => string): string {
  const format = typeof schema.format === "string" ? FORMATS[schema.format] : undefined;
  let text = format ?? words();
  const minLength = typeof schema.minLength === "number" ? schema.minLength : 0;
  while (text.length < minLength) text += ` ${words()}`;
  return typeof schema.maxLength === "number" ? text.slice(0, schema.maxLength) : text;
}

function numberOf(schema: Schema, integer: boolean): number {
  const num = (key: string): number | undefined => (typeof schema[key] === "number" ? (schema[key] as number) : undefined);
  const step = integer ? 1 : 0.5;
  let lo = num("minimum") ?? -Infinity;
  const exclusiveMin = num("exclusiveMinimum");
  if (exclusiveMin !== undefined) lo = Math.max(lo, integer ? Math.floor(exclusiveMin) + 1 : exclusiveMin + step);
  let hi = num("maximum") ?? Infinity;
  const exclusiveMax = num("exclusiveMaximum");
  if (exclusiveMax !== undefined) hi = Math.min(hi, integer ? Math.ceil(exclusiveMax) - 1 : exclusiveMax - step);
  let value = lo <= 0 && 0 <= hi ? 0 : lo > 0 ? lo : hi;
  if (integer) value = lo > 0 ? Math.ceil(value) : Math.floor(value);
  const multipleOf = num("multipleOf");
  if (multipleOf !== undefined && multipleOf > 0) value = Math.ceil(value / multipleOf) * multipleOf;
  return value;
}
