import { specificIssues, type ErrorCode, type FieldIssue } from "@gateway/contracts";
import { AppError } from "@gateway/http";
import type { z } from "zod";

/** Each issue as a field and a message; an unrecognized key names the key itself. */
function fieldIssues(issues: readonly z.core.$ZodIssue[]): FieldIssue[] {
  return issues.flatMap((issue) => {
    const base = issue.path.map(String);
    if (issue.code === "unrecognized_keys")
      return issue.keys.map((key) => ({ path: [...base, key].join("."), message: "unrecognized field" }));
    return [{ path: base.join("."), message: issue.message }];
  });
}

/**
 * The most specific code among the issues, so a typo'd field says so rather than "invalid
 * request": a custom check's own kind, then an unknown field, then a field the gateway refuses
 * on purpose (`unsupported`, top-level names).
 */
function codeOf(issues: readonly z.core.$ZodIssue[], unsupported: ReadonlySet<string>): ErrorCode {
  for (const issue of issues) {
    const kind = issue.code === "custom" ? (issue.params as { kind?: ErrorCode } | undefined)?.kind : undefined;
    if (kind) return kind;
    if (issue.code === "unrecognized_keys") return "unknown_parameter";
    if (issue.path.length === 1 && unsupported.has(String(issue.path[0]))) return "unsupported_parameter";
  }
  return "invalid_request";
}

/** The 400 for input that does not match its contract: every field named, the first as `param`. */
export function validationError(raw: readonly z.core.$ZodIssue[], unsupported: ReadonlySet<string> = new Set()): AppError {
  const issues = specificIssues(raw);
  const details = fieldIssues(issues);
  const message = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join("; ");
  return new AppError(codeOf(issues, unsupported), message, { param: details[0]?.path || null, details });
}
