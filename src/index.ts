/**
 * Worker entry. The app is built once per isolate, at module load; each request
 * only runs the pipeline.
 */
import { createApp } from "./app";
import type { Bindings } from "./env";

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Bindings>;
