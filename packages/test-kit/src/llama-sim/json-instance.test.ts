import { describe, expect, it } from "vitest";
import { jsonInstance } from "./json-instance.ts";

const counter = () => {
  let i = 0;
  return () => `w${i++}`;
};

describe("jsonInstance", () => {
  it("when an object has required and optional properties, then only the required ones appear, typed", () => {
    const schema = {
      type: "object",
      properties: {
        city: { type: "string" },
        days: { type: "integer" },
        celsius: { type: "boolean" },
        ratio: { type: "number" },
        note: { type: "string" },
      },
      required: ["city", "days", "celsius", "ratio"],
    };
    expect(jsonInstance(schema, counter())).toEqual({ city: "w0", days: 0, celsius: false, ratio: 0 });
  });

  it("when enum, const, nested objects and arrays with minItems come, then each is honoured", () => {
    const schema = {
      type: "object",
      properties: {
        unit: { enum: ["c", "f"] },
        kind: { const: "weather" },
        where: { type: "object", properties: { lat: { type: "number" } }, required: ["lat"] },
        tags: { type: "array", items: { type: "string" }, minItems: 2 },
        none: { type: "array", items: { type: "string" } },
        empty: { type: "null" },
      },
      required: ["unit", "kind", "where", "tags", "none", "empty"],
    };
    expect(jsonInstance(schema, counter())).toEqual({
      unit: "c",
      kind: "weather",
      where: { lat: 0 },
      tags: ["w0", "w1"],
      none: [],
      empty: null,
    });
  });

  it("when numbers have bounds that exclude 0, then the value sits at the nearest valid bound", () => {
    const words = counter();
    expect(jsonInstance({ type: "integer", minimum: 3 }, words)).toBe(3);
    expect(jsonInstance({ type: "integer", exclusiveMinimum: 3 }, words)).toBe(4);
    expect(jsonInstance({ type: "number", maximum: -2 }, words)).toBe(-2);
    expect(jsonInstance({ type: "integer", minimum: 1.5 }, words)).toBe(2);
    expect(jsonInstance({ type: "integer", minimum: 5, multipleOf: 4 }, words)).toBe(8);
    expect(jsonInstance({ type: "number", minimum: -1, maximum: 1 }, words)).toBe(0);
  });

  it("when strings have length bounds or a known format, then the value fits them", () => {
    expect(jsonInstance({ type: "string", minLength: 7 }, counter())).toBe("w0 w1 w2");
    expect(jsonInstance({ type: "string", maxLength: 1 }, counter())).toBe("w");
    expect(jsonInstance({ type: "string", format: "date" }, counter())).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("when $ref, anyOf, allOf or a type list come, then they resolve to one valid branch", () => {
    const schema = {
      $defs: { point: { type: "object", properties: { x: { type: "integer" } }, required: ["x"] } },
      type: "object",
      properties: {
        p: { $ref: "#/$defs/point" },
        a: { anyOf: [{ type: "boolean" }, { type: "string" }] },
        m: {
          allOf: [
            { properties: { y: { type: "string" } }, required: ["y"] },
            { type: "object", required: ["z"], properties: { z: { type: "integer" } } },
          ],
        },
        n: { type: ["null", "integer"] },
      },
      required: ["p", "a", "m", "n"],
    };
    expect(jsonInstance(schema, counter())).toEqual({ p: { x: 0 }, a: false, m: { y: "w0", z: 0 }, n: 0 });
  });

  it("when a schema refers to itself, then the instance still ends", () => {
    const schema = { type: "object", properties: { next: { $ref: "#" } }, required: ["next"] };
    expect(JSON.stringify(jsonInstance(schema, counter()))).toContain("null");
  });
});
