import { readSse } from "../sse-events.ts";
import { MODEL } from "../start-system.ts";

export interface Outcome {
  stream: boolean;
  /** HTTP status, or 0 when the request got no response at all. */
  status: number;
  requestId: string | undefined;
  /** A complete answer: 200 JSON with a completion, or a stream that ended with [DONE] and no error event. */
  answered: boolean;
  /** The error code the client was told (envelope or SSE error event). */
  code: string | undefined;
  /** And its message: which of several ways to the same code it was. */
  message?: string | undefined;
  /** No answer and no error within the client's timeout. */
  hung: boolean;
  startedAt: number;
  endedAt: number;
}

export interface SteadyLoad {
  /** Stops issuing requests and waits for those in flight. */
  stop(): Promise<Outcome[]>;
  readonly outcomes: Outcome[];
}

export interface LoadOptions {
  clients?: number;
  /** Share of streamed requests. */
  streamShare?: number;
  maxTokens?: number;
  /** A request not ended by then counts as hung (and is abandoned). */
  clientTimeoutMs?: number;
}

/**
 * `clients` closed loops of chat completions against one edge, a share of them streamed, each
 * outcome recorded as the client saw it: what the chaos tests count (answered, told, hung).
 */
export function steadyLoad(edgeUrl: string, apiKey: string, options: LoadOptions = {}): SteadyLoad {
  const { clients = 16, streamShare = 0.3, maxTokens = 24, clientTimeoutMs = 30_000 } = options;
  const outcomes: Outcome[] = [];
  let running = true;
  let n = 0;
  const one = async (stream: boolean): Promise<Outcome> => {
    const startedAt = Date.now();
    const outcome: Outcome = {
      stream,
      status: 0,
      requestId: undefined,
      answered: false,
      code: undefined,
      hung: false,
      startedAt,
      endedAt: 0,
    };
    const timeout = AbortSignal.timeout(clientTimeoutMs);
    try {
      const res = await fetch(`${edgeUrl}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: `story ${n++}` }], max_tokens: maxTokens, stream }),
        signal: timeout,
      });
      outcome.status = res.status;
      outcome.requestId = res.headers.get("x-request-id") ?? undefined;
      if (res.status !== 200) {
        const { error } = (await res.json()) as { error?: { code?: string; message?: string } };
        outcome.code = error?.code;
        outcome.message = error?.message;
      } else if (!stream) {
        outcome.answered = ((await res.json()) as { choices?: unknown[] }).choices?.length === 1;
      } else {
        let done = false;
        await readSse(res, (event) => {
          if (event.data === "[DONE]") done = true;
          else if (event.data.startsWith('{"error"')) {
            const { error } = JSON.parse(event.data) as { error: { code: string; message?: string } };
            outcome.code = error.code;
            outcome.message = error.message;
          }
        });
        outcome.answered = done && outcome.code === undefined;
      }
    } catch (err) {
      outcome.hung = timeout.aborted;
      if (!outcome.hung) outcome.code = `client: ${(err as Error).message}`;
    }
    outcome.endedAt = Date.now();
    return outcome;
  };
  const loops = Array.from({ length: clients }, async (_, i) => {
    for (let k = 0; running; k++) {
      // Streams spread evenly over clients and time.
      outcomes.push(await one((i + k) % Math.round(1 / streamShare) === 0));
    }
  });
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(loops);
      return outcomes;
    },
  };
}

/** The figures a chaos test reports: requests, answered, refused (a clear error), hung. */
export function tally(outcomes: Outcome[]) {
  return {
    requests: outcomes.length,
    answered: outcomes.filter((o) => o.answered).length,
    told: outcomes.filter((o) => !o.answered && !o.hung && o.code !== undefined).length,
    hung: outcomes.filter((o) => o.hung).length,
    codes: [...new Set(outcomes.map((o) => o.code).filter(Boolean))],
  };
}
