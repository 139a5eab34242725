/**
 * Alerts (P16) as the suites see them: the `alert_raised` events stored, read as the
 * owner behind the row policies; the emails the capture server kept; envs with low
 * thresholds; and waiting until a window has room for a test's requests (windows are
 * aligned to the epoch, so a test counting across a boundary would split its count).
 */
import type { AlertKind } from "../../src/alerts";
import { ownerQuery } from "./identity-ip";
import { emailsTo } from "./identity";
import { envWith } from "./worker";
import type { Bindings } from "../../src/env";

/** One stored `alert_raised` event. */
export interface AlertEvent {
  readonly org_id: string | null;
  readonly actor_user_id: string | null;
  readonly actor_api_key_id: string | null;
  readonly request_id: string | null;
  readonly ip_hash: string | null;
  readonly severity: string;
  readonly details: Record<string, unknown>;
}

/** Which stored alerts to read: of one kind, narrowed by the detail fields given. */
export interface AlertFilter {
  readonly kind: AlertKind;
  readonly org?: string;
  readonly details?: Readonly<Record<string, string>>;
}

/** The stored `alert_raised` events matching `filter`, oldest first. */
export async function alertEvents(filter: AlertFilter): Promise<AlertEvent[]> {
  const params: unknown[] = [filter.kind];
  let where = "type = 'alert_raised' and details ->> 'kind' = $1";
  if (filter.org !== undefined) {
    params.push(filter.org);
    where += ` and org_id = $${params.length}`;
  }
  for (const [field, value] of Object.entries(filter.details ?? {})) {
    params.push(field, value);
    where += ` and details ->> $${params.length - 1} = $${params.length}`;
  }
  const rows = await ownerQuery(
    `select org_id, actor_user_id, actor_api_key_id, request_id, ip_hash, severity, details from security_events where ${where} order by created_at`,
    params,
  );
  // The drivers differ on jsonb: an object, or its text.
  return rows.map((row) => ({
    ...(row as unknown as AlertEvent),
    details: (typeof row.details === "string" ? JSON.parse(row.details) : row.details) as Record<string, unknown>,
  }));
}

/** The alert emails captured for `address`. */
export async function alertEmailsTo(address: string): Promise<{ subject: string; text?: string }[]> {
  return (await emailsTo(address)).filter((m) => /^Rampart alert:/.test(m.subject));
}

/** A fresh address for ALERT_OPERATOR_EMAILS. */
export const operatorAddress = (): string => `operator+${crypto.randomUUID()}@example.org`;

/**
 * The test env with alert bindings replaced; build once per test (configuration is cached per
 * env object). The rate limits' Redis deadline is the longest allowed: a test's first requests
 * on a new env meet cold limiters, and the login preset fails closed (503) past it.
 */
export const alertEnv = (overrides: Readonly<Record<string, string>>): Bindings => envWith({ RATE_LIMIT_TIMEOUT_MS: "1000", ...overrides });

/**
 * Waits, if less than `neededMs` is left of the current `windowSeconds` window, for the
 * next one to begin, so the test's counts all land in one window.
 */
export async function roomInWindow(windowSeconds: number, neededMs: number): Promise<void> {
  const windowMs = windowSeconds * 1000;
  const left = windowMs - (Date.now() % windowMs);
  if (left < neededMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

/** Waits for the next `windowSeconds` window to begin. */
export async function nextWindow(windowSeconds: number): Promise<void> {
  const windowMs = windowSeconds * 1000;
  await new Promise((resolve) => setTimeout(resolve, windowMs - (Date.now() % windowMs) + 50));
}
