import { eventsKey, RelayMessage } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import type { Redis } from "ioredis";

export interface LoggedEvent {
  /** The Redis stream entry id: ordered, and what `/v1/jobs/{id}/events` uses as the SSE id. */
  id: string;
  message: RelayMessage;
}

type Follower = (event: LoggedEvent) => void;

/** Log entries read per round trip of a replay: tens of KB, so readers of long logs never hold much of them. */
const REPLAY_PAGE = 100;

interface Subscription {
  key: string;
  lastId: string;
  followers: Set<Follower>;
}

/**
 * Reads the per-request event logs the workers append to. Replay is one XRANGE on the commands
 * connection; live following is one XREAD BLOCK loop on a connection of its own shared by every
 * attached client of this process (DESIGN: one reader per edge, not one per client). A new
 * follower wakes the blocked read with CLIENT UNBLOCK so it is heard at once.
 */
export class EventLog {
  private readonly subscriptions = new Map<string, Subscription>();
  private readerId: number | undefined;
  private running = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly commands: Redis,
    private readonly reader: Redis,
    private readonly namespace: string,
    private readonly logger: Logger,
    private readonly blockMs = 5_000,
  ) {}

  async start(): Promise<void> {
    this.readerId = Number(await this.reader.client("ID"));
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.interrupt();
    await this.loop;
  }

  /** The events after `afterId` ("-" for all), in order, at most `count` of them. */
  async read(requestId: string, afterId = "-", count = REPLAY_PAGE): Promise<LoggedEvent[]> {
    const start = afterId === "-" ? "-" : `(${afterId}`;
    const entries = await this.commands.xrange(eventsKey(this.namespace, requestId), start, "+", "COUNT", count);
    return entries.flatMap(([id, fields]) => this.parse(id, fields));
  }

  /** The newest event: the terminal message once the request has ended. */
  async last(requestId: string): Promise<LoggedEvent | undefined> {
    const [entry] = await this.commands.xrevrange(eventsKey(this.namespace, requestId), "+", "-", "COUNT", 1);
    return entry ? this.parse(entry[0], entry[1])[0] : undefined;
  }

  /** Calls `follower` with every event after `afterId` as it is appended, until the returned function is called. */
  follow(requestId: string, afterId: string, follower: Follower): () => void {
    const key = eventsKey(this.namespace, requestId);
    let sub = this.subscriptions.get(key);
    if (!sub) {
      sub = { key, lastId: afterId === "-" ? "0" : afterId, followers: new Set() };
      this.subscriptions.set(key, sub);
      this.interrupt();
    }
    // A second follower of the same log starts where the shared cursor is: anything before it
    // was replayed from XRANGE by its caller.
    sub.followers.add(follower);
    const owned = sub;
    return () => {
      owned.followers.delete(follower);
      if (owned.followers.size === 0 && this.subscriptions.get(key) === owned) this.subscriptions.delete(key);
    };
  }

  private interrupt(): void {
    this.wake?.();
    if (this.readerId !== undefined) this.commands.client("UNBLOCK", this.readerId).catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (this.running) {
      const subs = [...this.subscriptions.values()];
      if (subs.length === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      let reply: [string, [string, string[]][]][] | null;
      try {
        reply = (await this.reader.xread(
          "BLOCK",
          this.blockMs,
          "STREAMS",
          ...subs.map((s) => s.key),
          ...subs.map((s) => s.lastId),
        )) as typeof reply;
      } catch (err) {
        if (!this.running) return;
        this.logger.warn({ err }, "reading event logs failed; retrying");
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      for (const [key, entries] of reply ?? []) {
        const sub = this.subscriptions.get(key);
        if (!sub) continue;
        for (const [id, fields] of entries) {
          sub.lastId = id;
          for (const event of this.parse(id, fields)) for (const follower of [...sub.followers]) follower(event);
        }
      }
    }
  }

  private parse(id: string, fields: string[]): LoggedEvent[] {
    const raw = fields[1];
    if (raw === undefined) return [];
    try {
      const parsed = RelayMessage.safeParse(JSON.parse(raw));
      if (parsed.success) return [{ id, message: parsed.data }];
    } catch {
      // fall through: logged below
    }
    this.logger.warn({ id }, "event log entry does not match the contract");
    return [];
  }
}

/** Stream entry ids ("ms-seq") in order; "-" is before everything. */
export function compareEventIds(a: string, b: string): number {
  if (a === b) return 0;
  if (a === "-") return -1;
  if (b === "-") return 1;
  const [am = 0, as = 0] = a.split("-").map(Number);
  const [bm = 0, bs = 0] = b.split("-").map(Number);
  return am - bm || as - bs;
}

/**
 * Replays a log after `afterId` and then follows it live, each event exactly once and in order:
 * following starts before the replay so nothing appended in between is missed, and what both
 * paths saw is delivered once. The replay reads a page at a time, so a reader of a long log
 * never holds more than a page of it in the edge (and one gone mid-replay, `signal`, stops
 * reading). Returns the function that stops following.
 */
export async function attachToLog(
  log: EventLog,
  requestId: string,
  afterId: string,
  onEvent: (event: LoggedEvent) => void,
  signal?: AbortSignal,
): Promise<() => void> {
  let last = afterId;
  let replaying = true;
  const held: LoggedEvent[] = [];
  const deliver = (event: LoggedEvent) => {
    if (compareEventIds(event.id, last) <= 0) return;
    last = event.id;
    onEvent(event);
  };
  const stop = log.follow(requestId, afterId, (event) => (replaying ? held.push(event) : deliver(event)));
  try {
    for (let cursor = afterId; !signal?.aborted;) {
      const page = await log.read(requestId, cursor);
      for (const event of page) deliver(event);
      if (page.length < REPLAY_PAGE) break;
      cursor = page.at(-1)!.id;
    }
  } catch (err) {
    stop();
    throw err;
  }
  replaying = false;
  for (const event of held) deliver(event);
  return stop;
}
