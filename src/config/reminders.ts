/**
 * Deadline reminders (P17; src/modules/reminders/): how long before each pending incident
 * deadline its owner and the organization's admins are emailed, and how many reminder
 * emails one queue message may send. Parsed with the rest of the configuration (src/env.ts).
 */
import { z } from "zod";
import { integer, text } from "./rules";

/** The reminder bindings (wrangler.toml [vars]; none is a secret). */
export const REMINDER_BINDINGS = ["NIS2_REMINDER_LEAD_HOURS", "NIS2_REMINDERS_PER_MESSAGE"] as const;

/** The longest lead time: a week (the shortest deadline is 24 h, the longest a month). */
export const MAX_REMINDER_LEAD_HOURS = 168;

/** `6,1`: whole hours, each 1–168, at most 5, no repeats; kept longest first. */
const leadHours = text.default("6,1").transform((value, ctx): readonly number[] => {
  const parts = value.split(",").map((part) => part.trim());
  const hours = parts.map(Number);
  const valid =
    parts.length <= 5 &&
    parts.every((part) => /^\d{1,3}$/.test(part)) &&
    hours.every((h) => h >= 1 && h <= MAX_REMINDER_LEAD_HOURS) &&
    new Set(hours).size === hours.length;
  if (!valid) {
    ctx.addIssue({ code: "custom", message: `must be up to 5 distinct whole hours 1-${MAX_REMINDER_LEAD_HOURS}, comma-separated` });
    return z.NEVER;
  }
  return Object.freeze([...hours].sort((a, b) => b - a));
});

/** The zod shape of the reminder bindings, merged into the configuration's schema. */
export const remindersShape = {
  NIS2_REMINDER_LEAD_HOURS: leadHours,
  // Each email is a subrequest: 50 per message × the consumer's batch of 5 stays well under
  // the Workers limit per invocation; the rest waits for the next tick (5 minutes).
  NIS2_REMINDERS_PER_MESSAGE: integer(1, 100).default(50),
} as const;

/** The parsed reminder bindings. */
export type ReminderBindings = z.infer<z.ZodObject<typeof remindersShape>>;

/** Reminder settings. */
export interface RemindersConfig {
  /** Hours before a due time that a reminder goes out, longest first (`overdue` is always sent too). */
  readonly leadHours: readonly number[];
  /** Reminder emails (one deadline, one stage, one person) one queue message sends at most. */
  readonly perMessage: number;
}

/** The reminder settings from parsed bindings. */
export function remindersConfig(v: ReminderBindings): RemindersConfig {
  return { leadHours: v.NIS2_REMINDER_LEAD_HOURS, perMessage: v.NIS2_REMINDERS_PER_MESSAGE };
}
