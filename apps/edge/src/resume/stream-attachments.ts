import { streamAttachedKey, streamOwnerKey } from "@gateway/contracts";
import type { Redis } from "ioredis";

/**
 * Who owns a resumable chat stream, and how many clients (on any replica) are attached to it
 * through its resume URL: a stream whose client left is cancelled after the grace only if
 * nobody re-attached meanwhile.
 */
export class StreamAttachments {
  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    readonly retentionS: number,
  ) {}

  /** Not awaited by the caller: it rides the enqueue's round trip on the autopipelined connection. */
  own(requestId: string, tenantId: string): void {
    this.redis.set(streamOwnerKey(this.namespace, requestId), tenantId, "EX", this.retentionS).catch(() => undefined);
  }

  async owner(requestId: string): Promise<string | null> {
    return this.redis.get(streamOwnerKey(this.namespace, requestId));
  }

  async attach(requestId: string): Promise<() => Promise<void>> {
    const key = streamAttachedKey(this.namespace, requestId);
    await this.redis.multi().incr(key).expire(key, this.retentionS).exec();
    let detached = false;
    return async () => {
      if (detached) return;
      detached = true;
      await this.redis.decr(key).catch(() => undefined);
    };
  }

  async isAttached(requestId: string): Promise<boolean> {
    return Number(await this.redis.get(streamAttachedKey(this.namespace, requestId))) > 0;
  }
}

export interface StreamResumeDeps {
  attachments: StreamAttachments;
  /** How long a stream whose client left keeps generating for a reconnect; 0 cancels at once. */
  resumeGraceMs: number;
  keepAliveMs: number;
  /** An SSE client with more than this many bytes waiting for it has stopped reading: it is cut off. */
  slowClientBufferBytes: number;
}
