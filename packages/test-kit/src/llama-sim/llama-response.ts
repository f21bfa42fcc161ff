import type { ServerResponse } from "node:http";

/** llama-server's error `type` per status, as its format_error_response maps them. */
const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  500: "server_error",
  501: "not_supported_error",
  503: "unavailable_error",
};

export function errorType(status: number): string {
  return ERROR_TYPES[status] ?? "server_error";
}

export function errorJson(status: number, message: string, type = errorType(status)): string {
  return JSON.stringify({ error: { code: status, message, type } });
}

export function sendJson(res: ServerResponse, status: number, body: string): void {
  res
    .writeHead(status, {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Length": Buffer.byteLength(body),
      Server: "llama.cpp",
    })
    .end(body);
}

export function sendError(res: ServerResponse, status: number, message: string, type?: string): void {
  sendJson(res, status, errorJson(status, message, type));
}

/** A request the real server rejects; `status` is what it answers, often 500 for bad input. */
export class LlamaError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = errorType(status),
  ) {
    super(message);
  }
}
