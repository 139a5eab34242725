/**
 * Raising one alert, always after the response: the `alert_raised` security event is
 * logged at once, then stored by `app.raise_alert` (drizzle/*_alerts_security.sql) in the
 * organization it concerns (else without one), which answers with the verified addresses
 * of those to tell (the org's owners and admins, or the account's holder) in the same
 * round trip, so reading them always leaves an event behind. Platform-wide and network
 * alerts go to ALERT_OPERATOR_EMAILS. Failures are logged, never thrown at a request.
 */
import { sql } from "drizzle-orm";
import { sendEmail, type EmailMessage } from "../clients/email";
import type { Config } from "../env";
import { createDatabase, inContext } from "../db";
import { log } from "../lib/log";
import { securityEvent } from "../lib/security-events";
import { ALERT_KINDS, type AlertKind } from "./kinds";
import type { AlertSubject } from "./subjects";

/** One alert that fired. */
export interface RaisedAlert {
  readonly kind: AlertKind;
  readonly subject: AlertSubject;
  /** The window's count when it fired. */
  readonly count: number;
  /** The count it had to reach (for a baseline kind: the floor, or factor × baseline if higher). */
  readonly threshold: number;
  /** Baseline kinds: the mean count of the previous windows. */
  readonly baseline?: number;
  readonly windowSeconds: number;
  /** Start of the window, epoch ms. */
  readonly windowStartMs: number;
  /** The request whose count crossed the threshold. */
  readonly requestId: string;
}

/** An alert's details as logged and stored: counts, window, the subject by id or pseudonym; never an address, email or token. */
export function alertDetails(alert: RaisedAlert): Record<string, string | number> {
  const { subject } = alert;
  const details: Record<string, string | number> = {
    kind: alert.kind,
    window_seconds: alert.windowSeconds,
    window_start: new Date(alert.windowStartMs).toISOString(),
    count: alert.count,
    threshold: alert.threshold,
  };
  if (alert.baseline !== undefined) details.baseline = Math.round(alert.baseline * 100) / 100;
  if (subject.orgId !== undefined) details.org_id = subject.orgId;
  if (subject.userId !== undefined) details.user_id = subject.userId;
  if (subject.apiKeyId !== undefined) details.api_key_id = subject.apiKeyId;
  if (subject.sessionId !== undefined) details.session_id = subject.sessionId;
  if (subject.network !== undefined) details.network = subject.network;
  return details;
}

/** "15 minutes", "1 minute", "90 seconds". */
export function humanWindow(seconds: number): string {
  const [amount, unit] =
    seconds % 3600 === 0 ? [seconds / 3600, "hour"] : seconds % 60 === 0 ? [seconds / 60, "minute"] : [seconds, "second"];
  return `${amount} ${unit}${amount === 1 ? "" : "s"}`;
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The email of one alert. */
export function alertEmail(to: string, alert: RaisedAlert): EmailMessage {
  const spec = ALERT_KINDS[alert.kind];
  const details = alertDetails(alert);
  const lines = [
    spec.summary.replace("{count}", String(alert.count)).replace("{window}", humanWindow(alert.windowSeconds)),
    spec.advice,
    `Details: ${Object.entries(details)
      .map(([key, value]) => `${key}=${value}`)
      .join(", ")}.`,
  ];
  return {
    to,
    subject: `Rampart alert: ${spec.title}`,
    text: lines.join("\n\n"),
    html: lines.map((line) => `<p>${escapeHtml(line)}</p>`).join("\n"),
  };
}

/** Stores the event; resolves the verified addresses the database names for it (none for the operators' kinds). */
async function store(config: Config, alert: RaisedAlert, details: Record<string, string | number>): Promise<string[]> {
  const { subject } = alert;
  const db = await createDatabase(config.database);
  const [result] = await inContext(db, {}, (tx) => [
    tx.execute<{ email: string }>(sql`select email from app.raise_alert(
      ${alert.kind}, ${subject.orgId ?? null}::uuid, ${subject.userId ?? null}::uuid, ${subject.apiKeyId ?? null}::uuid,
      ${alert.requestId}, ${JSON.stringify(details)}::jsonb)`),
  ]);
  return result.rows.map((row) => row.email);
}

/**
 * Raises `alert`: logs and stores its event, then emails its audience. Resolves once
 * every email was handed over or failed; never rejects.
 */
export async function raise(config: Config, alert: RaisedAlert): Promise<void> {
  const details = alertDetails(alert);
  securityEvent("alert_raised", { request_id: alert.requestId, ...details });
  let addresses: string[];
  try {
    addresses = await store(config, alert, details);
  } catch (error) {
    log.error("alert_not_stored", { request_id: alert.requestId, kind: alert.kind, error });
    addresses = [];
  }
  const recipients = ALERT_KINDS[alert.kind].audience === "operators" ? config.alerts.operatorEmails : addresses;
  const sent = await Promise.allSettled(recipients.map((to) => sendEmail(config, alertEmail(to, alert))));
  const failed = sent.filter((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
  if (failed.length > 0) {
    // Never the addresses: how many failed, and the first reason.
    log.warn("alert_email_not_sent", { request_id: alert.requestId, kind: alert.kind, failed: failed.length, error: failed[0]?.reason });
  }
}
