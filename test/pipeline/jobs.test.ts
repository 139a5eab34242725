/**
 * The scheduled-work runner (src/jobs.ts) in workerd: which schedules a cron tick
 * runs, how a batch's messages are acked, retried or dropped. Its jobs here are test
 * jobs of the real runner (the modules' own jobs are tested with their modules).
 */
import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createJobHandlers, JOBS, retryDelaySeconds } from "../../src/jobs";
import { defineJob, defineSchedule, jobMessage, type JobMessage } from "../../src/queue";
import { recordingQueue } from "../helpers/jobs";
import { captureLogs } from "../helpers/logs";
import { testEnv } from "../helpers/worker";
import wranglerToml from "../../wrangler.toml?raw";

const ORG = "6f1d2a4e-0b7c-4d5e-9f10-2a3b4c5d6e7f";

function batchOf(bodies: readonly unknown[], attempts = 1) {
  return createMessageBatch(
    "rampart-jobs",
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts, body })),
  );
}

describe("scheduled work", () => {
  it("every cron in wrangler.toml has a schedule in code, and every schedule's cron is in wrangler.toml", () => {
    const section = /^\[triggers\]\s*\ncrons\s*=\s*\[([^\]]*)\]/m.exec(wranglerToml)?.[1] ?? "";
    const crons = [...section.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    expect(crons.length).toBeGreaterThan(0);
    expect(new Set(JOBS.schedules.map((s) => s.cron))).toEqual(new Set(crons));
    expect(new Set(JOBS.jobs.map((j) => j.type)).size).toBe(JOBS.jobs.length);
  });

  it("P12 (refuses): every job's message schema refuses a message without a valid organization id", () => {
    for (const job of JOBS.jobs) {
      expect(job.message.safeParse({ type: job.type }).success, job.type).toBe(false);
      expect(job.message.safeParse({ type: job.type, org_id: "not-a-uuid" }).success, job.type).toBe(false);
    }
  });

  it("a cron tick fans out only its own schedules' messages, in batches the queue accepts", async () => {
    const many = Array.from({ length: 250 }, (_, i) => ({ type: "t", org_id: ORG, n: i }));
    const handlers = createJobHandlers({
      jobs: [],
      schedules: [
        defineSchedule({ name: "mine", cron: "*/5 * * * *", fanOut: () => Promise.resolve(many) }),
        defineSchedule({ name: "other", cron: "0 0 * * *", fanOut: () => Promise.resolve([{ type: "x", org_id: ORG }]) }),
      ],
    });
    const { queue, sent } = recordingQueue();
    const batches: number[] = [];
    const counting = {
      ...queue,
      sendBatch: async (m: Iterable<MessageSendRequest<JobMessage>>) => {
        const list = [...m];
        batches.push(list.length);
        await queue.sendBatch(list);
      },
    } as unknown as Queue<JobMessage>;
    await handlers.scheduled(createScheduledController({ cron: "*/5 * * * *" }), { ...testEnv, JOBS: counting }, createExecutionContext());
    expect(sent).toEqual(many);
    expect(batches).toEqual([100, 100, 50]);
  });

  it("acks what a job finished, retries what failed with a growing delay, and drops (logged, acked) what no job accepts", async () => {
    const seen: string[] = [];
    const handlers = createJobHandlers({
      jobs: [
        defineJob({
          type: "work",
          message: jobMessage("work").extend({ fail: z.boolean() }),
          run: (message, delivery) => {
            seen.push(`${message.org_id}:${String(delivery.attempt)}`);
            return message.fail ? Promise.reject(new Error("dependency down")) : Promise.resolve();
          },
        }),
      ],
      schedules: [],
    });
    const logs = captureLogs();
    try {
      const batch = batchOf(
        [
          { type: "work", org_id: ORG, fail: false },
          { type: "work", org_id: ORG, fail: true },
          { type: "unknown", org_id: ORG },
          { type: "work", org_id: "not-a-uuid", fail: false },
          "not an object",
        ],
        2,
      );
      const ctx = createExecutionContext();
      await handlers.queue(batch as MessageBatch<JobMessage>, testEnv, ctx);
      const result = await getQueueResult(batch, ctx);
      expect(result.explicitAcks.sort()).toEqual(["m0", "m2", "m3", "m4"]);
      // (The test harness does not report the delay asked for: retryDelaySeconds is checked below.)
      expect(result.retryMessages.map((m) => m.msgId)).toEqual(["m1"]);
      expect(seen).toEqual([`${ORG}:2`, `${ORG}:2`]);
      const rejected = logs.lines().filter((l) => l.event === "job_message_rejected");
      expect(rejected).toHaveLength(3);
      // Never the message body in the log (it may hold an org's facts).
      expect(logs.raw().join("\n")).not.toContain("not an object");
      expect(logs.lines().find((l) => l.event === "job_failed")).toMatchObject({ level: "error", type: "work", org_id: ORG, attempt: 2 });
    } finally {
      logs.restore();
    }
  });

  it("retries back off from 30 s to at most an hour", () => {
    expect([1, 2, 3, 4, 5, 9].map(retryDelaySeconds)).toEqual([30, 120, 480, 1920, 3600, 3600]);
  });

  it("refuses a registry in which two jobs share a type", () => {
    const job = defineJob({ type: "dup", message: jobMessage("dup"), run: async () => {} });
    expect(() => createJobHandlers({ jobs: [job, job], schedules: [] })).toThrow(/share a type/);
  });
});
