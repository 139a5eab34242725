/**
 * The reminder email: which deadline of which incident, when it is due, how long is
 * left (or that it is overdue), and a link to the incident in the web app. Titles and
 * names come from people, so they are escaped in the HTML and kept to one line in the
 * subject.
 */
import type { EmailMessage } from "../../clients/email";
import type { ClaimedReminder } from "./reminders.statements";

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const oneLine = (text: string): string => text.replace(/[\u0000-\u001f\u007f]+/g, " ");
/** A subject stays short whatever the incident's title. */
const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** What each deadline is called in an email (the kinds of app.deadline_rules). */
export const DEADLINE_NAMES: Readonly<Record<string, string>> = {
  early_warning: "NIS2 early warning (24 h)",
  notification: "NIS2 incident notification (72 h)",
  final: "NIS2 final report (one month after the notification)",
  gdpr_authority: "GDPR notification to the supervisory authority (72 h)",
  customer: "Customer notification (48 h)",
};

/** `2026-12-01 08:00 UTC`. */
const readableUtc = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/** The email for one claimed reminder. */
export function reminderEmail(appUrl: string, orgId: string, reminder: ClaimedReminder): EmailMessage {
  const deadline = DEADLINE_NAMES[reminder.kind] ?? reminder.kind;
  const title = oneLine(reminder.incident_title);
  const orgName = oneLine(reminder.org_name);
  const due = readableUtc(reminder.due_at);
  const overdue = reminder.lead === "overdue";
  const url = `${appUrl}/orgs/${encodeURIComponent(orgId)}/incidents/${encodeURIComponent(reminder.incident_id)}`;
  const subject = overdue
    ? `Overdue: ${deadline} for "${clip(title, 80)}"`
    : `Due in ${reminder.lead.slice(0, -1)} h: ${deadline} for "${clip(title, 80)}"`;
  const lines = [
    overdue
      ? `The ${deadline} for the incident "${title}" in ${orgName} was due at ${due} and has not been recorded as submitted.`
      : `The ${deadline} for the incident "${title}" in ${orgName} is due at ${due}, in ${reminder.lead.slice(0, -1)} hours or less.`,
    overdue
      ? "Submit it as soon as possible, then record it on the incident so the deadline shows as done (late)."
      : "Once it is submitted, record it on the incident; no further reminder about this deadline is sent then.",
    `You receive this as the incident's owner or an owner or admin of ${orgName}.`,
  ];
  return {
    to: reminder.email,
    subject,
    text: [...lines, "", `Open the incident: ${url}`].join("\n"),
    html: [...lines.map((line) => `<p>${escapeHtml(line)}</p>`), `<p><a href="${escapeHtml(url)}">Open the incident</a></p>`].join("\n"),
  };
}
