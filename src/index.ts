/**
 * Worker entry. The app and the job handlers are built once per isolate, at module
 * load; each request only runs the pipeline, each cron tick and queue batch only its
 * jobs (src/jobs.ts).
 */
import { createApp } from "./app";
import type { Bindings } from "./env";
import { createJobHandlers } from "./jobs";
import type { JobMessage } from "./queue";

const app = createApp();
const jobs = createJobHandlers();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  scheduled: jobs.scheduled,
  queue: jobs.queue,
} satisfies ExportedHandler<Bindings, JobMessage>;
