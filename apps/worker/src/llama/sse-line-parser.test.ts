import { describe, expect, it } from "vitest";
import { SseLineParser } from "./sse-line-parser.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("SseLineParser", () => {
  it("when data lines arrive split across chunks, then each event is parsed once whole", () => {
    const parser = new SseLineParser();
    expect(parser.push(bytes('data: {"a"'))).toEqual([]);
    expect(parser.push(bytes(":1}\n\ndata: [DONE]\n\n"))).toEqual([{ kind: "data", json: { a: 1 } }, { kind: "done" }]);
  });

  it("when llama-server writes its non-standard error line, then it becomes an error event", () => {
    const parser = new SseLineParser();
    const events = parser.push(
      bytes('error: {"code":500,"message":"context shift is disabled","type":"server_error"}\n\ndata: [DONE]\n\n'),
    );
    expect(events).toEqual([{ kind: "error", message: "context shift is disabled" }, { kind: "done" }]);
  });

  it("when a data event carries an error object, then it is an error event", () => {
    const events = new SseLineParser().push(bytes('data: {"error":{"code":500,"message":"boom"}}\n\n'));
    expect(events).toEqual([{ kind: "error", message: "boom" }]);
  });

  it("when a multi-byte character is split between chunks, then it decodes intact", () => {
    const parser = new SseLineParser();
    const all = bytes('data: {"t":"é"}\r\n\r\n');
    const cut = all.indexOf(0xc3) + 1;
    expect(parser.push(all.slice(0, cut))).toEqual([]);
    expect(parser.push(all.slice(cut))).toEqual([{ kind: "data", json: { t: "é" } }]);
  });

  it("when comments, other fields or blank lines come, then they are ignored", () => {
    expect(new SseLineParser().push(bytes(": ping\nevent: x\nid: 3\n\n"))).toEqual([]);
  });

  it("when the body ends without a final newline, then end() yields the last line", () => {
    const parser = new SseLineParser();
    expect(parser.push(bytes("data: [DONE]"))).toEqual([]);
    expect(parser.end()).toEqual([{ kind: "done" }]);
  });

  it("when a data line is not JSON, then it is an error event", () => {
    expect(new SseLineParser().push(bytes("data: {oops\n"))).toEqual([{ kind: "error", message: "unparseable data line from backend" }]);
  });
});
