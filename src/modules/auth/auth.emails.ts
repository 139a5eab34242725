/**
 * The auth emails and how they leave: built here, sent after the response so the
 * answer (and its timing) never depends on whether an address exists (P6).
 * Links point at the web app (APP_URL), which posts the token to the API.
 */
import type { Context } from "hono";
import { sendEmail, type EmailMessage } from "../../clients/email";
import type { AppEnv } from "../../context";
import { log } from "../../lib/log";
import { afterResponse } from "./auth.events";

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function message(
  to: string,
  subject: string,
  lines: readonly string[],
  link?: { readonly label: string; readonly url: string },
): EmailMessage {
  const text = [...lines, ...(link === undefined ? [] : ["", `${link.label}: ${link.url}`])].join("\n");
  const html = [
    ...lines.map((line) => `<p>${escapeHtml(line)}</p>`),
    ...(link === undefined ? [] : [`<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></p>`]),
  ].join("\n");
  return { to, subject, text, html };
}

/** The address-verification email (link valid 24 hours, single-use). */
export function verificationEmail(appUrl: string, to: string, name: string, token: string): EmailMessage {
  return message(
    to,
    "Verify your email address for Rampart",
    [`Hello ${name},`, "confirm that this address is yours to finish creating your Rampart account. The link works once, for 24 hours."],
    { label: "Verify my email address", url: `${appUrl}/verify-email?token=${encodeURIComponent(token)}` },
  );
}

/** Sent instead of a verification email when the address already has an account. */
export function existingAccountEmail(appUrl: string, to: string): EmailMessage {
  return message(
    to,
    "Someone tried to sign up to Rampart with your address",
    [
      "Someone (perhaps you) tried to create a Rampart account with this email address, which already has one. No new account was created.",
      "If it was you, sign in instead, or reset your password if you forgot it. If it was not you, you can ignore this email.",
    ],
    { label: "Reset my password", url: `${appUrl}/reset-password` },
  );
}

/** The password-reset email (link valid 1 hour, single-use; using it signs out every session). */
export function resetEmail(appUrl: string, to: string, name: string, token: string): EmailMessage {
  return message(
    to,
    "Reset your Rampart password",
    [
      `Hello ${name},`,
      "someone asked to reset the password of your Rampart account. The link works once, for one hour, and signs out every session.",
      "If you did not ask for this, ignore this email; your password stays as it is.",
    ],
    { label: "Choose a new password", url: `${appUrl}/reset-password?token=${encodeURIComponent(token)}` },
  );
}

/** Sends `email` after the response; a failure is logged (the user can ask again). */
export function sendLater(c: Context<AppEnv>, email: EmailMessage): void {
  const requestId = c.env.edge.requestId;
  afterResponse(
    c,
    sendEmail(c.env.edge.config, email).catch((error: unknown) => {
      log.error("email_failed", { request_id: requestId, subject: email.subject, error });
    }),
  );
}
