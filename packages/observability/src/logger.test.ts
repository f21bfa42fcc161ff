import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";

function capture(logContent?: boolean) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ service: "test", logContent, destination }) };
}

const job = { request_id: "req_1", model: "m", params: { messages: [{ role: "user", content: "my secret prompt" }] } };

describe("createLogger", () => {
  it("when a line carries prompts, completions or credentials, then they are redacted by default", () => {
    const { lines, logger } = capture();
    logger.info({ job, completion: "the answer", headers: { authorization: "Bearer sk-1" }, prompts: ["embed me"] }, "x");
    const text = JSON.stringify(lines);
    for (const secret of ["my secret prompt", "the answer", "sk-1", "embed me"]) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ service: "test", job: { request_id: "req_1", model: "m" }, completion: "[redacted]" });
  });

  it("when LOG_CONTENT is on, then content is kept and credentials are still redacted", () => {
    const { lines, logger } = capture(true);
    logger.info({ job, completion: "the answer", authorization: "Bearer sk-1" }, "x");
    const text = JSON.stringify(lines);
    expect(text).toContain("my secret prompt");
    expect(text).toContain("the answer");
    expect(text).not.toContain("sk-1");
  });
});
