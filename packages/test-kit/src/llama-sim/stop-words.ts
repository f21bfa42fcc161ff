/** `stop` as the server reads it: one string or an array; empty and non-string entries stop nothing. */
export function parseStop(raw: unknown): string[] {
  const words = typeof raw === "string" ? [raw] : Array.isArray(raw) ? raw : [];
  return words.filter((w): w is string => typeof w === "string" && w !== "");
}

/**
 * The output when a stop string appears in it: generation ends with the token that completes the
 * first stop string (that token is still counted), and the text from the stop string on is
 * dropped, as llama-server drops it. Each token keeps the part of its piece before the cut (maybe
 * ""); undefined when no stop string appears within the first `count` tokens.
 */
export function applyStop(
  pieces: readonly string[],
  count: number,
  stops: readonly string[],
): { pieces: string[]; count: number; word: string } | undefined {
  let text = "";
  for (let k = 0; k < count; k++) {
    const before = text.length;
    text += pieces[k] ?? "";
    let cut = -1;
    let word = "";
    for (const stop of stops) {
      const at = text.indexOf(stop, Math.max(0, before - stop.length + 1));
      if (at >= 0 && (cut < 0 || at < cut)) [cut, word] = [at, stop];
    }
    if (cut < 0) continue;
    const kept: string[] = [];
    let pos = 0;
    for (let i = 0; i <= k; i++) {
      const piece = pieces[i] ?? "";
      kept.push(text.slice(Math.min(pos, cut), Math.min(pos + piece.length, cut)));
      pos += piece.length;
    }
    return { pieces: kept, count: k + 1, word };
  }
  return undefined;
}
