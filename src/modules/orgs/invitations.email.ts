/**
 * The invitation email: who invites, to which organization, with which role, and the
 * single-use link (`${APP_URL}/invitations/accept?token=…`) the web app posts to
 * `POST /v1/invitations/accept`. Names come from people and organizations, so they are
 * escaped in the HTML body. Sent after the response, like the auth emails.
 */
import type { EmailMessage } from "../../clients/email";

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
/** A name on one line: control characters (a line break in an organization's name) never reach the subject. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const oneLine = (text: string): string => text.replace(/[\u0000-\u001f\u007f]+/g, " ");

/** What the email says. */
export interface InvitationFacts {
  readonly to: string;
  readonly orgName: string;
  readonly inviterName: string;
  readonly role: string;
  readonly token: string;
  readonly days: number;
}

/** The email inviting `facts.to` to join an organization. */
export function invitationEmail(appUrl: string, facts: InvitationFacts): EmailMessage {
  const url = `${appUrl}/invitations/accept?token=${encodeURIComponent(facts.token)}`;
  const orgName = oneLine(facts.orgName);
  const lines = [
    `${oneLine(facts.inviterName)} invited you to join ${orgName} on Rampart as ${facts.role}.`,
    `Sign in (or create an account) with this email address, then open the link. It works once, for ${facts.days} days.`,
    "If you did not expect this invitation, you can ignore this email.",
  ];
  return {
    to: facts.to,
    subject: `You are invited to join ${orgName} on Rampart`,
    text: [...lines, "", `Accept the invitation: ${url}`].join("\n"),
    html: [...lines.map((line) => `<p>${escapeHtml(line)}</p>`), `<p><a href="${escapeHtml(url)}">Accept the invitation</a></p>`].join(
      "\n",
    ),
  };
}
