import type { z } from "zod";

type Issue = z.core.$ZodIssue;

const depth = (issues: readonly Issue[]): number => Math.max(-1, ...issues.map((i) => i.path.length));

const wrongType = (issues: readonly Issue[], atRoot: boolean) =>
  issues.some((i) => i.code === "invalid_type" && (!atRoot || i.path.length === 0));

/**
 * The issues a client can act on: where a value matched none of a union's options, the issues of
 * the option it matched best, with their full paths, instead of the union's bare "Invalid input"
 * (e.g. `messages.0.content.1.image_url.url` rather than `messages.0.content`). Best: an option
 * whose every type matched (only a value was wrong: too many items, a bad URL), else one whose
 * own type matched; the deepest of those. A union none of whose options even had the type stays
 * as it is.
 */
export function specificIssues(issues: readonly Issue[]): Issue[] {
  return issues.flatMap((issue): Issue[] => {
    if (issue.code !== "invalid_union" || issue.errors.length === 0) return [issue];
    const options = issue.errors.map((errors) => specificIssues(errors));
    const typed = options.filter((o) => !wrongType(o, false));
    const candidates = typed.length > 0 ? typed : options.filter((o) => !wrongType(o, true));
    if (candidates.length === 0) return [issue];
    const best = candidates.reduce((a, b) => (depth(b) > depth(a) ? b : a));
    return best.map((i) => ({ ...i, path: [...issue.path, ...i.path] }));
  });
}
