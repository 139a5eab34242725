/**
 * Scheduled work in tests, through the worker's real `scheduled` and `queue` handlers
 * (src/index.ts) in this isolate: a cron tick with the queue binding replaced by a
 * recorder (so a test sees exactly which messages a schedule fans out, without the
 * suite's thousands of organizations being worked in the background), and the
 * delivery of chosen messages with the ack/retry outcome the runtime would see.
 */
import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult, type QueueResult } from "cloudflare:test";
import worker from "../../src/index";
import type { Bindings } from "../../src/env";
import type { JobMessage } from "../../src/queue";
import { testEnv } from "./worker";

/** A queue binding that keeps what is sent. */
export function recordingQueue(): { queue: Queue<JobMessage>; sent: JobMessage[] } {
  const sent: JobMessage[] = [];
  const queue = {
    send: (body: JobMessage) => {
      sent.push(body);
      return Promise.resolve();
    },
    sendBatch: (messages: Iterable<MessageSendRequest<JobMessage>>) => {
      for (const m of messages) sent.push(m.body);
      return Promise.resolve();
    },
  } as unknown as Queue<JobMessage>;
  return { queue, sent };
}

/** Runs the cron `cron` at `at` (default now) and returns the messages it sent. */
export async function runSchedule(cron: string, at: Date = new Date(), env: Bindings = testEnv): Promise<JobMessage[]> {
  const { queue, sent } = recordingQueue();
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron, scheduledTime: at }), { ...env, JOBS: queue }, ctx);
  return sent;
}

/** Delivers `messages` as one batch to the worker's queue handler; `attempts` as the runtime would count them. */
export async function deliver(messages: readonly unknown[], options: { attempts?: number; env?: Bindings } = {}): Promise<QueueResult> {
  const batch = createMessageBatch(
    "rampart-jobs",
    messages.map((body, i) => ({ id: `msg-${i}-${crypto.randomUUID()}`, timestamp: new Date(), attempts: options.attempts ?? 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<JobMessage>, options.env ?? testEnv, ctx);
  return getQueueResult(batch, ctx);
}
