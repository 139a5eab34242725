/** Captures the structured log lines the code under test writes (console.*). */
import { vi } from "vitest";

/** One parsed log line. */
export interface LogLine {
  level: string;
  event: string;
  [field: string]: unknown;
}

/** Starts capturing; `lines()` parses what was written so far, `restore()` stops. */
export function captureLogs(): { lines(): LogLine[]; raw(): string[]; restore(): void } {
  const written: string[] = [];
  const record = (...args: unknown[]): void => {
    written.push(args.map(String).join(" "));
  };
  const spies = [
    vi.spyOn(console, "log").mockImplementation(record),
    vi.spyOn(console, "warn").mockImplementation(record),
    vi.spyOn(console, "error").mockImplementation(record),
  ];
  return {
    raw: () => [...written],
    lines: () => written.map((line) => JSON.parse(line) as LogLine),
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}
