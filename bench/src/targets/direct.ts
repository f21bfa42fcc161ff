import type { Backends } from "../backends.ts";
import { CHAT_PATH, JSON_HEADERS, type Target } from "./target.ts";

/** The simulators themselves: the baseline every "added" number is measured against. */
export const directTarget = (backends: Backends): Target => ({
  name: "direct",
  fast: { url: `${backends.fast}${CHAT_PATH}`, headers: JSON_HEADERS, model: "x" },
  paced: { url: `${backends.paced}${CHAT_PATH}`, headers: JSON_HEADERS, model: "x" },
  pids: [],
  stop: async () => undefined,
});
