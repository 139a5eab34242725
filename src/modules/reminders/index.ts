/**
 * Deadline reminders (P17): before each pending incident deadline (NIS2_REMINDER_LEAD_HOURS)
 * and once it is overdue, one email to the incident's owner and each owner and admin of
 * its organization, sent once per deadline, stage and person. Scheduled work only: no
 * routes (the incident's `nis2` block already shows each deadline's state, `overdue` included).
 */
export {
  deadlineReminderJob,
  deadlineReminderSchedule,
  deadlineReminderMessage,
  DEADLINE_REMINDERS,
  DEADLINE_REMINDERS_CRON,
  type DeadlineReminderMessage,
} from "./reminders.job";
