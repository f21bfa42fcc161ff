/** One place to send chat completions: a URL, the headers it needs and the model name it routes on. */
export interface Endpoint {
  url: string;
  headers: Record<string, string>;
  model: string;
}

/** Something measured: the simulators directly, or a proxy or gateway in front of them. */
export interface Target {
  name: string;
  /** In front of the zero-cost simulator (non-stream cells) and of the paced one (stream cells). */
  fast: Endpoint;
  paced: Endpoint;
  /** The processes whose CPU is this target's cost (their descendants are counted too); none for direct. */
  pids: number[];
  /** Some of `pids` by name (edge, worker, …): each one's own CPU is reported too, where a target has several. */
  parts?: { name: string; pid: number }[];
  /** Processes of a shared service that work for this target, looked up at each reading: reported apart, not in its CPU. */
  side?: { label: string; pids(): Promise<number[]> };
  stop(): Promise<void>;
}

export const CHAT_PATH = "/v1/chat/completions";
export const JSON_HEADERS = { "content-type": "application/json" };
