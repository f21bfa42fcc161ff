import { ZodError } from "zod";
import { AppError } from "./app-error.ts";

/** body-parser's error types, mapped to our codes: a client's mistake is never a 500. */
function fromBodyParser(err: { type?: unknown; status?: unknown; message?: unknown }): AppError | undefined {
  const message = typeof err.message === "string" ? err.message : "invalid request";
  switch (err.type) {
    case "entity.parse.failed":
      return new AppError("invalid_json", "the request body is not valid JSON");
    case "entity.too.large":
      return new AppError("payload_too_large", "the request body is too large");
    case "encoding.unsupported":
    case "charset.unsupported":
      return new AppError("unsupported_media_type", message);
    case "request.aborted":
      return new AppError("client_closed_request", "the client closed the request");
    default:
      return typeof err.status === "number" && err.status >= 400 && err.status < 500 ? new AppError("invalid_request", message) : undefined;
  }
}

/** A query or body that failed its contract's `parse`: every field named, the first as `param`. */
function fromZod(err: ZodError): AppError {
  const details = err.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  const message = details.map((d) => `${d.path || "query"}: ${d.message}`).join("; ");
  return new AppError("invalid_request", message, { param: details[0]?.path || null, details });
}

/** What a thrown value means to a client, or undefined when it is a bug (a 500). */
export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) return fromZod(err);
  if (typeof err === "object" && err !== null) return fromBodyParser(err);
  return undefined;
}
