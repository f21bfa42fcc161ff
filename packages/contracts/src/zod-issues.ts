import type { z } from "zod";

type Issue = z.core.$ZodIssue;

const depth = (issues: readonly Issue[]): number => Math.max(-1, ...issues.map((i) => i.path.length));

/**
 * The issues a client can act on: where a value matched none of a union's options, the issues of
 * the option it got furthest into (the deepest path), with their full paths, instead of the
 * union's bare "Invalid input" (e.g. `messages.0.content.1.image_url.url` rather than
 * `messages.0.content`). A union whose options all failed at its own level stays as it is.
 */
export function specificIssues(issues: readonly Issue[]): Issue[] {
  return issues.flatMap((issue): Issue[] => {
    if (issue.code !== "invalid_union" || issue.errors.length === 0) return [issue];
    const options = issue.errors.map((errors) => specificIssues(errors));
    const best = options.reduce((a, b) => (depth(b) > depth(a) ? b : a));
    if (depth(best) <= 0) return [issue];
    return best.map((i) => ({ ...i, path: [...issue.path, ...i.path] }));
  });
}
