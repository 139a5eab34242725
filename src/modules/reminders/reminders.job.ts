/**
 * P17 deadline reminders as scheduled work (README "Scheduled work"): every 5 minutes the
 * schedule lists the organizations with a reminder due (one query) and sends one message
 * per organization; the job claims that organization's due reminders (one round trip),
 * emails them, and gives back the claims of the emails that failed before it throws, so
 * the queue's retry (or the next tick) sends exactly those.
 *
 * Once: a claim is a row keyed by incident, deadline, due time, stage and person,
 * inserted ON CONFLICT DO NOTHING; a redelivered message or an overlapping run finds the
 * rows and sends nothing. Bounded: at most NIS2_REMINDERS_PER_MESSAGE emails per message;
 * what is left stays due, so the next tick's fan-out sends the organization's message
 * again (nothing is re-enqueued from here).
 */
import { z } from "zod";
import { sendEmail } from "../../clients/email";
import { createDatabase, inContext } from "../../db";
import { log } from "../../lib/log";
import { defineJob, defineSchedule, jobMessage, type JobMessage } from "../../queue";
import { reminderEmail } from "./reminders.email";
import { claimReminders, orgsWithDueReminders, releaseReminders, type ClaimedReminder } from "./reminders.statements";

export const DEADLINE_REMINDERS = "deadline_reminders";
/** Exactly as in wrangler.toml [triggers] crons. */
export const DEADLINE_REMINDERS_CRON = "*/5 * * * *";

/** One organization's reminders due at `at` (the tick's scheduled time). */
export const deadlineReminderMessage = jobMessage(DEADLINE_REMINDERS).extend({ at: z.iso.datetime() });
export type DeadlineReminderMessage = z.infer<typeof deadlineReminderMessage>;

/** Every organization with a reminder due at the tick: one message each. */
export const deadlineReminderSchedule = defineSchedule({
  name: "deadline_reminders",
  cron: DEADLINE_REMINDERS_CRON,
  fanOut: async ({ config }, scheduledTime): Promise<readonly JobMessage[]> => {
    const [rows] = await inContext(await createDatabase(config.database), {}, (tx) => [
      orgsWithDueReminders(tx, scheduledTime, config.reminders.leadHours),
    ]);
    const at = scheduledTime.toISOString();
    return rows.rows.map((row): DeadlineReminderMessage => ({ type: DEADLINE_REMINDERS, org_id: row.org_id, at }));
  },
});

/** Claims, sends, and on a failed send releases and throws (the queue retries with back-off). */
export const deadlineReminderJob = defineJob<DeadlineReminderMessage>({
  type: DEADLINE_REMINDERS,
  message: deadlineReminderMessage,
  run: async (message, { config, attempt, messageId }) => {
    const db = await createDatabase(config.database);
    const at = new Date(message.at);
    const [claimed] = await inContext(db, {}, (tx) => [
      claimReminders(tx, message.org_id, at, config.reminders.leadHours, config.reminders.perMessage),
    ]);
    const reminders = claimed.rows;
    const results = await Promise.allSettled(
      reminders.map((reminder) => sendEmail(config, reminderEmail(config.identity.appUrl, message.org_id, reminder))),
    );
    const failed: ClaimedReminder[] = [];
    results.forEach((result, i) => {
      const reminder = reminders[i];
      if (reminder === undefined) return;
      // Which deadline, stage and person; never the address.
      const fields = {
        org_id: message.org_id,
        incident_id: reminder.incident_id,
        kind: reminder.kind,
        due_at: reminder.due_at,
        lead: reminder.lead,
        user_id: reminder.user_id,
      };
      if (result.status === "fulfilled") log.info("deadline_reminder_sent", fields);
      else failed.push(reminder);
    });
    if (reminders.length >= config.reminders.perMessage) {
      log.info("deadline_reminders_capped", {
        org_id: message.org_id,
        sent: reminders.length - failed.length,
        limit: config.reminders.perMessage,
      });
    }
    if (failed.length === 0) return;

    const [released] = await inContext(db, {}, (tx) => [releaseReminders(tx, message.org_id, failed)]);
    const error: unknown = results.find((result): result is PromiseRejectedResult => result.status === "rejected")?.reason;
    log.warn("deadline_reminders_failed", {
      org_id: message.org_id,
      message_id: messageId,
      attempt,
      failed: failed.length,
      released: released.rows[0]?.released ?? 0,
      error,
    });
    throw new Error(`deadline reminders: ${failed.length} of ${reminders.length} emails not sent; their claims were released`);
  },
});
