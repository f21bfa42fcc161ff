import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Write synchronously (tests, CLIs); services log asynchronously, off the hot path. */
  sync?: boolean;
  /**
   * LOG_CONTENT: keep prompts and completions in log lines that carry them. Off by default: logs
   * go to more places, and live longer, than the data itself should.
   */
  logContent?: boolean;
  /** Where lines go instead of stdout (tests read them back). */
  destination?: DestinationStream;
}

const SECRET_PATHS = ["authorization", "*.authorization", "headers.authorization", "req.headers.authorization", "api_key", "*.api_key", "secret", "*.secret"];

/**
 * Fields that hold what users wrote or models answered, wherever a log line might carry them
 * (a job payload, a request body, a body-parser error). Redacted unless `logContent`.
 */
export const CONTENT_PATHS = [
  "messages",
  "*.messages",
  "params.messages",
  "job.params.messages",
  "prompt",
  "prompts",
  "*.prompts",
  "input",
  "*.input",
  "completion",
  "*.completion",
  "content",
  "*.content",
  "body",
  "*.body",
];

/** JSON logs; credentials are always redacted, and content unless `logContent` is on. */
export function createLogger({ service, level = "info", sync = false, logContent = false, destination }: LoggerOptions): Logger {
  return pino(
    {
      level,
      base: { service },
      redact: { paths: logContent ? SECRET_PATHS : [...SECRET_PATHS, ...CONTENT_PATHS], censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination({ fd: 1, sync, minLength: sync ? 0 : 4096 }),
  );
}
