/**
 * Structured logging: one JSON object per line, so Workers Logs (and `wrangler tail`)
 * index every field. Secrets never reach a line: keys that name credentials are
 * replaced, and credentials embedded in strings (URL user-info, bearer tokens) are
 * scrubbed, because error messages from drivers can quote connection strings.
 */

/** Severity of a log line; `error` is for bugs and outages only. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Extra fields of a line. Values are redacted before they are written. */
export type LogFields = Readonly<Record<string, unknown>>;

const REDACTED = "[redacted]";
const MAX_DEPTH = 6;
// Key names that carry credentials. Checked against every key at every depth.
const SENSITIVE_KEY =
  /secret|token|passw(?:or)?d|authorization|cookie|api[-_]?key|private[-_]?key|signing[-_]?key|encryption[-_]?key|credential|database[-_]?url|connection[-_]?string/i;
// `scheme://user:pass@host` → `scheme://[redacted]@host`
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;
// `Bearer abc.def` → `Bearer [redacted]`
const BEARER = /\b(bearer|basic)\s+[^\s,;"']+/gi;

/** Replaces credentials embedded in free text (error messages, stacks). */
export function scrub(text: string): string {
  return text.replace(URL_USERINFO, `$1${REDACTED}@`).replace(BEARER, `$1 ${REDACTED}`);
}

/** Returns a JSON-safe copy of `value` with credentials removed. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return scrub(value);
  if (value === null || typeof value !== "object") {
    return typeof value === "bigint" ? value.toString() : value;
  }
  if (depth >= MAX_DEPTH) return "[truncated]";
  if (value instanceof Error) {
    return { name: value.name, message: scrub(value.message), stack: value.stack === undefined ? undefined : scrub(value.stack) };
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SENSITIVE_KEY.test(key) ? REDACTED : redact(item, depth + 1);
  }
  return out;
}

function write(level: LogLevel, event: string, fields: LogFields): void {
  const line = JSON.stringify({ level, event, time: new Date().toISOString(), ...(redact(fields) as object) });
  // Workers Logs map console methods to levels; keep them aligned.
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/**
 * The logger. `event` is a stable snake_case name; fields are redacted.
 *
 * @example
 * ```ts
 * log.error("unhandled_error", { request_id, method, path, error });
 * ```
 */
export const log = {
  debug: (event: string, fields: LogFields = {}): void => write("debug", event, fields),
  info: (event: string, fields: LogFields = {}): void => write("info", event, fields),
  warn: (event: string, fields: LogFields = {}): void => write("warn", event, fields),
  error: (event: string, fields: LogFields = {}): void => write("error", event, fields),
} as const;
