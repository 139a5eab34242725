/**
 * Worker entry. At start-up only the app's shell is built (the edge, the WAF, CORS);
 * each module is built on the first request that needs it (src/app.modules.ts), and
 * the job handlers on the first cron tick or queue batch (src/jobs.ts), each once per
 * isolate. README "Start-up" has the figures.
 */
import { createApp } from "./app";
import type { Bindings } from "./env";
import type { createJobHandlers } from "./jobs";
import type { JobMessage } from "./queue";

const app = createApp();

type JobHandlers = ReturnType<typeof createJobHandlers>;
let jobs: Promise<JobHandlers> | undefined;
const jobHandlers = (): Promise<JobHandlers> => (jobs ??= import("./jobs").then((m) => m.createJobHandlers()));

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  scheduled: async (controller, env, ctx) => (await jobHandlers()).scheduled(controller, env, ctx),
  queue: async (batch, env, ctx) => (await jobHandlers()).queue(batch, env, ctx),
} satisfies ExportedHandler<Bindings, JobMessage>;
