/**
 * The worker's `scheduled` and `queue` handlers (README "Scheduled work"): every
 * schedule and job of the modules, and the routing between them. A Cron Trigger only
 * fans out per-organization messages; the queue consumer runs them one at a time, each
 * bounded by its job, acking what succeeded and retrying (with back-off) what failed,
 * so one organization's failure never blocks another's work.
 */
import { getConfig, type Bindings } from "./env";
import { log } from "./lib/log";
import { sendJobs, type Job, type JobMessage, type JobRun, type Schedule } from "./queue";
import { deadlineReminderJob, deadlineReminderSchedule } from "./modules/reminders";
import { backupCheckJob, backupJob, backupSchedule } from "./modules/backups";

/** The jobs and schedules the worker runs. */
export interface JobRegistry {
  readonly jobs: readonly Job[];
  readonly schedules: readonly Schedule[];
}

/** Every module's jobs and schedules. */
export const JOBS: JobRegistry = {
  jobs: [deadlineReminderJob, backupJob, backupCheckJob],
  schedules: [deadlineReminderSchedule, backupSchedule],
};

/** A retry waits 30 s, 2 min, 8 min, … (at most 1 h): long enough for a dependency to come back. */
export const retryDelaySeconds = (attempt: number): number => Math.min(3600, 30 * 4 ** Math.max(0, attempt - 1));

function runContext(env: Bindings, ctx: ExecutionContext): JobRun {
  const config = getConfig(env);
  // A broken configuration is an operator's error: fail loudly, the queue retries once it is fixed.
  if (!config.ok) throw new Error("configuration invalid: see the config_invalid log line");
  return { env, config: config.value, waitUntil: (work) => ctx.waitUntil(work) };
}

/** The handlers for `export default { scheduled, queue }`. */
export function createJobHandlers(
  registry: JobRegistry = JOBS,
): Pick<Required<ExportedHandler<Bindings, JobMessage>>, "scheduled" | "queue"> {
  const jobs = new Map<string, Job>(registry.jobs.map((job) => [job.type, job]));
  if (jobs.size !== registry.jobs.length) throw new Error("createJobHandlers: two jobs share a type");

  return {
    async scheduled(controller, env, ctx) {
      const run = runContext(env, ctx);
      const due = registry.schedules.filter((schedule) => schedule.cron === controller.cron);
      if (due.length === 0) log.warn("schedule_unknown", { cron: controller.cron });
      for (const schedule of due) {
        const messages = await schedule.fanOut(run, new Date(controller.scheduledTime));
        await sendJobs(env.JOBS, messages);
        log.info("schedule_fanned_out", { schedule: schedule.name, cron: controller.cron, messages: messages.length });
      }
    },

    async queue(batch, env, ctx) {
      const run = runContext(env, ctx);
      // One at a time: a job's CPU and memory bound is per message, not per batch × message.
      for (const message of batch.messages) {
        const body: unknown = message.body;
        const type = typeof body === "object" && body !== null && "type" in body ? String(body.type) : undefined;
        const job = type === undefined ? undefined : jobs.get(type);
        const parsed = job?.message.safeParse(body);
        if (job === undefined || parsed === undefined || !parsed.success) {
          // A message no job accepts would fail every retry: drop it, loudly, without its body.
          log.error("job_message_rejected", { queue: batch.queue, message_id: message.id, type: type?.slice(0, 40) });
          message.ack();
          continue;
        }
        const fields = {
          queue: batch.queue,
          message_id: message.id,
          type: job.type,
          org_id: parsed.data.org_id,
          attempt: message.attempts,
        };
        try {
          await job.run(parsed.data, { ...run, messageId: message.id, attempt: message.attempts });
          message.ack();
          log.info("job_done", fields);
        } catch (error) {
          message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
          log.error("job_failed", { ...fields, error });
        }
      }
    },
  };
}
