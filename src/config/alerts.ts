/**
 * Alerts (P16): the thresholds and windows of each alert kind (src/alerts/kinds.ts), the
 * moving baseline of the spike kinds, who hears of platform-wide alerts, and the prefix of
 * the counters' Redis keys. Parsed with the rest of the configuration (src/env.ts).
 *
 * Each kind's binding is `<threshold>/<window seconds>` (e.g. `10/900`: ten in fifteen
 * minutes), or `off`. For a baseline kind the threshold is the floor: it alerts when the
 * current window's count reaches the floor AND is more than ALERT_BASELINE_FACTOR times
 * the mean of the previous ALERT_BASELINE_WINDOWS windows.
 */
import { z } from "zod";
import { integer, text } from "./rules";

/** The alert bindings (wrangler.toml [vars]; none is a secret). */
export const ALERT_BINDINGS = [
  "ALERT_FAILED_LOGINS_ACCOUNT",
  "ALERT_FAILED_LOGINS_NETWORK",
  "ALERT_FAILED_LOGINS_PLATFORM",
  "ALERT_REQUEST_SPIKE_ORG",
  "ALERT_REQUEST_SPIKE_API_KEY",
  "ALERT_REFRESH_TOKEN_REUSE",
  "ALERT_MASS_DELETION",
  "ALERT_BASELINE_FACTOR",
  "ALERT_BASELINE_WINDOWS",
  "ALERT_OPERATOR_EMAILS",
  "ALERT_KEY_PREFIX",
] as const;

/** One kind's rule: alert at `threshold` events in a window of `windowSeconds`. */
export interface AlertRule {
  readonly threshold: number;
  readonly windowSeconds: number;
}

/** The longest window: a day (counters live a few windows at most, so Redis stays small). */
export const MAX_ALERT_WINDOW_SECONDS = 86_400;
const RULE = /^(\d{1,9})\s*\/\s*(\d{1,6})$/;

/** `<threshold>/<window seconds>`, or `off` (the kind never alerts; nothing is counted for it). */
const rule = (fallback: string) =>
  text.default(fallback).transform((value, ctx): AlertRule | null => {
    if (value.toLowerCase() === "off") return null;
    const match = RULE.exec(value);
    const threshold = Number(match?.[1]);
    const windowSeconds = Number(match?.[2]);
    if (match === null || threshold < 1 || windowSeconds < 1 || windowSeconds > MAX_ALERT_WINDOW_SECONDS) {
      ctx.addIssue({ code: "custom", message: `must be <threshold ≥ 1>/<window seconds 1-${MAX_ALERT_WINDOW_SECONDS}>, or off` });
      return z.NEVER;
    }
    return { threshold, windowSeconds };
  });

const EMAIL = /^[^\s@,]+@[^\s@,.]+(?:\.[^\s@,.]+)+$/;
const emailList = z
  .string()
  .transform((v) =>
    v
      .split(",")
      .map((e) => e.trim().toLowerCase())
      .filter((e) => e !== ""),
  )
  .pipe(z.array(z.string().regex(EMAIL, "must be comma-separated email addresses")).max(20));

/** The zod shape of the alert bindings, merged into the configuration's schema. */
export const alertsShape = {
  ALERT_FAILED_LOGINS_ACCOUNT: rule("10/900"),
  ALERT_FAILED_LOGINS_NETWORK: rule("50/900"),
  ALERT_FAILED_LOGINS_PLATFORM: rule("200/300"),
  ALERT_REQUEST_SPIKE_ORG: rule("1000/60"),
  ALERT_REQUEST_SPIKE_API_KEY: rule("300/60"),
  ALERT_REFRESH_TOKEN_REUSE: rule("1/900"),
  ALERT_MASS_DELETION: rule("25/600"),
  // A spike is more than this many times the mean of the previous windows (and at least the floor).
  ALERT_BASELINE_FACTOR: z.coerce.number().min(1).max(1000).default(3),
  ALERT_BASELINE_WINDOWS: integer(1, 60).default(12),
  ALERT_OPERATOR_EMAILS: emailList.default([]),
  // Deployments sharing one Redis database need their own, or their platform-wide counts mix.
  ALERT_KEY_PREFIX: text.regex(/^[a-z0-9-]{1,32}$/, "must be 1-32 characters of a-z 0-9 -").default("al"),
} as const;

/** The parsed alert bindings. */
export type AlertBindings = z.infer<z.ZodObject<typeof alertsShape>>;

/** Alert settings (none is a secret). */
export interface AlertsConfig {
  /** Each kind's rule, by the kind's config key (src/alerts/kinds.ts); null: the kind is off. */
  readonly rules: {
    readonly failedLoginsAccount: AlertRule | null;
    readonly failedLoginsNetwork: AlertRule | null;
    readonly failedLoginsPlatform: AlertRule | null;
    readonly requestSpikeOrg: AlertRule | null;
    readonly requestSpikeApiKey: AlertRule | null;
    readonly refreshTokenReuse: AlertRule | null;
    readonly massDeletion: AlertRule | null;
  };
  /** Baseline kinds: alert above factor × the mean of the previous `windows` windows. */
  readonly baseline: { readonly factor: number; readonly windows: number };
  /** Who hears of platform-wide and network alerts; empty: only the security event. */
  readonly operatorEmails: readonly string[];
  /** Prefix of every alert counter's Redis key. */
  readonly keyPrefix: string;
}

/** The alert settings from parsed bindings. */
export function alertsConfig(v: AlertBindings): AlertsConfig {
  return {
    rules: {
      failedLoginsAccount: v.ALERT_FAILED_LOGINS_ACCOUNT,
      failedLoginsNetwork: v.ALERT_FAILED_LOGINS_NETWORK,
      failedLoginsPlatform: v.ALERT_FAILED_LOGINS_PLATFORM,
      requestSpikeOrg: v.ALERT_REQUEST_SPIKE_ORG,
      requestSpikeApiKey: v.ALERT_REQUEST_SPIKE_API_KEY,
      refreshTokenReuse: v.ALERT_REFRESH_TOKEN_REUSE,
      massDeletion: v.ALERT_MASS_DELETION,
    },
    baseline: { factor: v.ALERT_BASELINE_FACTOR, windows: v.ALERT_BASELINE_WINDOWS },
    operatorEmails: v.ALERT_OPERATOR_EMAILS,
    keyPrefix: v.ALERT_KEY_PREFIX,
  };
}
