import { Writable } from "node:stream";
import { createLogger } from "@gateway/observability";

/** A logger whose lines the test reads back. */
export function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ service: "test", destination }) };
}
