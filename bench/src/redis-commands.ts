import { connect } from "node:net";

/** Calls per command since the Redis started (`INFO commandstats`; commands run inside Lua scripts count too). */
export function commandCalls(port: number): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write("INFO commandstats\r\n"));
    let reply = "";
    socket.on("data", (data) => {
      reply += data.toString();
      // A bulk string: `$<length>\r\n<text>\r\n`.
      const header = /^\$(\d+)\r\n/.exec(reply);
      if (!header || Buffer.byteLength(reply) < header[0].length + Number(header[1])) return;
      socket.destroy();
      const calls = new Map<string, number>();
      for (const [, name, n] of reply.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(name!, Number(n));
      resolve(calls);
    });
    socket.once("error", reject);
  });
}

/** Commands per request over any number of measured cells (what Redis did between two readings). */
export class CommandTally {
  private readonly calls = new Map<string, number>();
  private requests = 0;

  add(before: Map<string, number>, after: Map<string, number>, requests: number): void {
    for (const [name, n] of after) this.calls.set(name, (this.calls.get(name) ?? 0) + n - (before.get(name) ?? 0));
    this.requests += requests;
  }

  /** "82.7 per request: zadd 7.2, xadd 7.1, …", the most frequent first, leaving out the readings' own INFO. */
  describe(top = 12): string {
    const rows = [...this.calls]
      .filter(([name, n]) => name !== "info" && n > 0)
      .map(([name, n]): [string, number] => [name, n / this.requests])
      .sort((a, b) => b[1] - a[1]);
    const total = rows.reduce((sum, [, n]) => sum + n, 0);
    return `${total.toFixed(1)} per request: ${rows
      .slice(0, top)
      .map(([name, n]) => `${name} ${n.toFixed(1)}`)
      .join(", ")}`;
  }
}
