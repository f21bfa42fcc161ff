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

/** Commands per request between two readings, the most frequent first. */
export function perRequest(before: Map<string, number>, after: Map<string, number>, requests: number): [string, number][] {
  return [...after]
    .map(([name, n]): [string, number] => [name, (n - (before.get(name) ?? 0)) / requests])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
}

/** "159.2 per request: evalsha 14.1, xadd 9.0, …", leaving out the reading's own INFO. */
export function describeCommands(rows: [string, number][], top = 12): string {
  const counted = rows.filter(([name]) => name !== "info");
  const total = counted.reduce((sum, [, n]) => sum + n, 0);
  return `${total.toFixed(1)} per request: ${counted
    .slice(0, top)
    .map(([name, n]) => `${name} ${n.toFixed(1)}`)
    .join(", ")}`;
}
