/**
 * Scheduled work as data (README "Scheduled work"): a {@link Job} is one kind of
 * queue message and what consuming it does; a {@link Schedule} is a Cron Trigger and
 * the per-organization messages it fans out. The worker's `scheduled` and `queue`
 * handlers (src/jobs.ts) only route between them.
 *
 * Every message names its organization (P12): a job works inside one tenant, so a
 * failure, a retry or a poisoned message touches one organization only.
 */
import { z } from "zod";
import type { Bindings, Config } from "../env";

/** The one queue every job travels on (wrangler.toml [[queues.producers]] and [[queues.consumers]]). */
export const JOB_QUEUE = "rampart-jobs";

/** Messages per `sendBatch` call: the Queues limit. */
const SEND_BATCH_MAX = 100;

/** What every message carries: its job type and its organization. */
export interface JobMessage {
  readonly type: string;
  readonly org_id: string;
}

/** The base schema a job's message schema extends, so the org id is always there and always a UUID. */
export const jobMessage = <const T extends string>(type: T) => z.object({ type: z.literal(type), org_id: z.uuid() });

/** What a job or a schedule runs with. */
export interface JobRun {
  readonly env: Bindings;
  readonly config: Config;
  /** Keeps the invocation alive for work after the handler returns (emails, logs). */
  readonly waitUntil: (work: Promise<unknown>) => void;
}

/** One delivery of a message. */
export interface JobDelivery extends JobRun {
  readonly messageId: string;
  /** 1 on first delivery; more on a retry. */
  readonly attempt: number;
}

/** A kind of queue message and its consumer. */
export interface Job<M extends JobMessage = JobMessage> {
  readonly type: M["type"];
  readonly message: z.ZodType<M>;
  /**
   * Consumes one message. MUST be idempotent: a redelivered message (a retry after a
   * failure half-way, two overlapping runs) changes nothing that the first delivery
   * already did. A thrown error retries the message with back-off; after the queue's
   * max_retries it goes to the dead-letter queue.
   */
  // A method, not a function property: a registry holds jobs of different message types.
  run(message: M, delivery: JobDelivery): Promise<void>;
}

/** A Cron Trigger's work: it only decides which messages to send. */
export interface Schedule {
  readonly name: string;
  /** Exactly as in wrangler.toml [triggers] crons (a test keeps the two equal). */
  readonly cron: string;
  /** The messages for this run, one per organization that has work (and per unit of work, if bounded). */
  readonly fanOut: (run: JobRun, scheduledTime: Date) => Promise<readonly JobMessage[]>;
}

/**
 * Declares a job; the type parameter ties the message schema to the consumer.
 *
 * @example
 * ```ts
 * export const backupJob = defineJob({
 *   type: "backup",
 *   message: jobMessage("backup").extend({ date: z.iso.date() }),
 *   run: async (message, delivery) => { ... },
 * });
 * ```
 */
export function defineJob<M extends JobMessage>(job: Job<M>): Job<M> {
  return job;
}

/** Declares a schedule. */
export function defineSchedule(schedule: Schedule): Schedule {
  return schedule;
}

/**
 * Sends messages on the job queue, in batches of at most 100. Used by the schedules
 * and by routes that ask for work on demand (a restore check).
 */
export async function sendJobs(queue: Queue<JobMessage>, messages: readonly JobMessage[]): Promise<void> {
  for (let start = 0; start < messages.length; start += SEND_BATCH_MAX) {
    const chunk = messages.slice(start, start + SEND_BATCH_MAX);
    await queue.sendBatch(chunk.map((body) => ({ body, contentType: "json" })));
  }
}
