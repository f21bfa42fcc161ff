import type { Redis } from "ioredis";

export interface StreamEntry {
  id: string;
  fields: string[];
}

type RawEntry = [id: string, fields: string[]] | null;

/** A stream entry id as a comparable number pair (`<ms>-<seq>`). */
const entryOrder = (id: string): [bigint, bigint] => {
  const [ms = "0", seq = "0"] = id.split("-");
  return [BigInt(ms), BigInt(seq)];
};
const earlier = (a: string, b: string): boolean => {
  const [am, as] = entryOrder(a);
  const [bm, bs] = entryOrder(b);
  return am < bm || (am === bm && as < bs);
};

/** XINFO's flat `[name, value, name, value, …]` replies as a record. */
function record(flat: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(flat)) return out;
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}

const entries = (raw: unknown): StreamEntry[] =>
  ((raw ?? []) as RawEntry[]).flatMap((e) => (e && Array.isArray(e[1]) ? [{ id: e[0], fields: e[1] }] : []));

const isError = (err: unknown, code: string) => err instanceof Error && err.message.startsWith(code);

/**
 * A stream (deliveries, usage events) as one consumer of billing's group sees it. Every call is
 * one round trip on the connection it is given, which the consumer keeps for itself: XREADGROUP
 * BLOCK holds it.
 */
export class GroupStream {
  constructor(
    private readonly redis: Redis,
    readonly key: string,
    private readonly group: string,
    readonly consumer: string,
  ) {}

  /** From the stream's first entry: deliveries written before billing ever ran are read too. */
  async ensureGroup(): Promise<void> {
    try {
      await this.redis.xgroup("CREATE", this.key, this.group, "0", "MKSTREAM");
    } catch (err) {
      if (!isError(err, "BUSYGROUP")) throw err;
    }
  }

  /** Entries no consumer of the group has read yet; waits up to `blockMs` for the first (0: does not wait). */
  read(count: number, blockMs: number): Promise<StreamEntry[]> {
    return this.readGroup(">", count, blockMs);
  }

  /**
   * Entries this consumer was given and has not acknowledged, oldest first: after a
   * reconnection, those whose read reply was lost with the connection.
   */
  readOwnPending(count: number): Promise<StreamEntry[]> {
    return this.readGroup("0", count, 0);
  }

  /** XREADGROUP from `id`: ">" for what nobody read yet, "0" for this consumer's pending entries. */
  private async readGroup(id: ">" | "0", count: number, blockMs: number): Promise<StreamEntry[]> {
    try {
      const block = blockMs > 0 ? ["BLOCK", blockMs] : [];
      const args = ["GROUP", this.group, this.consumer, "COUNT", count, ...block, "STREAMS", this.key, id];
      const reply = (await this.redis.call("XREADGROUP", ...args)) as [string, RawEntry[]][] | null;
      return entries(reply?.[0]?.[1]);
    } catch (err) {
      // A Redis that restarted empty has lost the group: make it again and read on.
      if (!isError(err, "NOGROUP")) throw err;
      await this.ensureGroup();
      return [];
    }
  }

  /** One page of entries another consumer has held unacknowledged for `minIdleMs`, now this one's; `next` "0-0" when done. */
  async claim(minIdleMs: number, start: string, count: number): Promise<{ next: string; claimed: StreamEntry[] }> {
    const [next, claimed] = (await this.redis.xautoclaim(this.key, this.group, this.consumer, minIdleMs, start, "COUNT", count)) as [
      string,
      RawEntry[],
    ];
    return { next, claimed: entries(claimed) };
  }

  async ack(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.redis.xack(this.key, this.group, ...ids);
  }

  /**
   * Trims entries every group has read and acknowledged (so the stream holds what is still to be
   * written, not months of history), forgets consumers that hold nothing and have not read for
   * `forgetIdleMs` (processes gone), and tells what is left to do.
   */
  async maintain(forgetIdleMs: number): Promise<{ unread: number; pending: number }> {
    const groups = ((await this.redis.xinfo("GROUPS", this.key)) as unknown[]).map(record);
    let keepFrom: string | undefined;
    let ours = { unread: 0, pending: 0 };
    for (const group of groups) {
      const name = String(group.name);
      const pending = Number(group.pending ?? 0);
      let oldest = String(group["last-delivered-id"] ?? "0-0");
      if (pending > 0) oldest = String(((await this.redis.xpending(this.key, name)) as unknown[])[1] ?? "0-0");
      if (keepFrom === undefined || earlier(oldest, keepFrom)) keepFrom = oldest;
      if (name === this.group) ours = { unread: Number(group.lag ?? 0), pending };
    }
    if (keepFrom !== undefined && keepFrom !== "0-0") await this.redis.xtrim(this.key, "MINID", "~", keepFrom);
    const consumers = ((await this.redis.xinfo("CONSUMERS", this.key, this.group)) as unknown[]).map(record);
    for (const c of consumers) {
      if (c.name !== this.consumer && Number(c.pending) === 0 && Number(c.idle) > forgetIdleMs)
        await this.redis.xgroup("DELCONSUMER", this.key, this.group, String(c.name));
    }
    return ours;
  }
}
