/**
 * Outgoing email through Resend's API (the `resend` SDK; RESEND_BASE_URL points it
 * at the local capture server in dev and tests). Messages are sent after the
 * response (the caller hands the promise to `waitUntil`), so whether an email was
 * sent never changes an answer's timing: sign-up and password reset answer alike
 * for known and unknown addresses.
 */
import type { Resend } from "resend";
import type { Config } from "../env";

/** One message; both bodies are always sent (text for clients that show no HTML). */
export interface EmailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

const clients = new WeakMap<Config, Resend>();

/** Sends `message`; rejects when Resend refuses it or cannot be reached. */
export async function sendEmail(config: Config, message: EmailMessage): Promise<void> {
  let client = clients.get(config);
  if (client === undefined) {
    // The SDK loads with the first email, not with the worker.
    const { Resend } = await import("resend");
    client = new Resend(config.email.apiKey, config.email.baseUrl === undefined ? undefined : { baseUrl: config.email.baseUrl });
    clients.set(config, client);
  }
  const { error } = await client.emails.send({ from: config.identity.emailFrom, ...message });
  if (error !== null) throw new Error(`email not sent: ${error.name}`);
}
