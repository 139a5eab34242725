/**
 * A tests-only module, declared with the same mechanism as real modules
 * (`createRouter` + `defineRoute`), so the body stages, validation and error path
 * can be exercised before any public route accepts a body. Mounted only by
 * `probeApp()`; the production app never contains it.
 */
import { z } from "@hono/zod-openapi";
import { createApp } from "../../src/app";
import { createRouter } from "../../src/http/openapi";
import { defineRoute } from "../../src/pipeline/route";

/** Body limit of the probe's small-body route. */
export const PROBE_LIMIT = 1024;

const EchoInput = z.object({
  name: z.string().min(1).max(40),
  count: z.number().int().min(0),
  tags: z.array(z.string().max(10)).max(5).optional(),
});
const EchoOutput = z.object({ received: EchoInput });

/** Counts handler invocations, to prove a refused request never reached its handler. */
export interface ProbeState {
  calls: number;
}

const echo = defineRoute(
  {
    method: "post",
    path: "/__probe/echo",
    request: { body: { content: { "application/json": { schema: EchoInput } } } },
    responses: { 200: { description: "Echo", content: { "application/json": { schema: EchoOutput } } } },
  },
  { auth: "public", bodyLimit: PROBE_LIMIT },
);

const defaultLimit = defineRoute(
  {
    method: "put",
    path: "/__probe/big",
    request: { body: { content: { "application/json": { schema: z.object({ blob: z.string() }) } } } },
    responses: { 200: { description: "Size", content: { "application/json": { schema: z.object({ length: z.number() }) } } } },
  },
  { auth: "public" },
);

const item = defineRoute(
  {
    method: "get",
    path: "/__probe/items/{id}",
    request: { params: z.object({ id: z.uuid() }), query: z.object({ limit: z.coerce.number().int().min(1).max(200).optional() }) },
    responses: { 200: { description: "Item", content: { "application/json": { schema: z.object({ id: z.string() }) } } } },
  },
  { auth: "public" },
);

const boom = defineRoute(
  {
    method: "get",
    path: "/__probe/boom",
    responses: { 200: { description: "Never", content: { "application/json": { schema: z.object({}) } } } },
  },
  { auth: "public" },
);

const throwsString = defineRoute(
  {
    method: "get",
    path: "/__probe/throw-string",
    responses: { 200: { description: "Never", content: { "application/json": { schema: z.object({}) } } } },
  },
  { auth: "public" },
);

const banner = defineRoute(
  {
    method: "get",
    path: "/__probe/banner",
    responses: { 200: { description: "A handler that tries to name the software and weaken headers" } },
  },
  { auth: "public" },
);

const immutable = defineRoute(
  {
    method: "get",
    path: "/__probe/immutable",
    responses: { 302: { description: "A response whose headers the runtime made immutable (Response.redirect)" } },
  },
  { auth: "public" },
);

/** Where the immutable-headers probe redirects to. */
export const PROBE_REDIRECT = "https://elsewhere.example/landing";

/** The secret-looking text the failing handler throws; it must never reach a client. */
export const BOOM_MESSAGE = "db exploded: select * from users where password='hunter2' at postgres://app:s3cret@db.internal/rampart";

/** Builds the probe router around `state`. */
export function createProbeRouter(state: ProbeState) {
  const router = createRouter();
  router.openapi(echo, (c) => {
    state.calls += 1;
    return c.json({ received: c.req.valid("json") }, 200);
  });
  router.openapi(defaultLimit, (c) => {
    state.calls += 1;
    return c.json({ length: c.req.valid("json").blob.length }, 200);
  });
  router.openapi(item, (c) => {
    state.calls += 1;
    return c.json({ id: c.req.valid("param").id }, 200);
  });
  router.openapi(boom, () => {
    state.calls += 1;
    throw new Error(BOOM_MESSAGE);
  });
  router.openapi(throwsString, () => {
    state.calls += 1;
    // Deliberately not an Error: Hono rethrows those past its error handler.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw "a bare string";
  });
  router.openapi(banner, () => {
    state.calls += 1;
    return new Response("hello", {
      headers: { Server: "nginx/1.0", "X-Powered-By": "PHP/5", "Content-Security-Policy": "default-src *", "X-Frame-Options": "ALLOWALL" },
    });
  });
  router.openapi(immutable, () => {
    state.calls += 1;
    return Response.redirect(PROBE_REDIRECT, 302);
  });
  return router;
}

/** The real pipeline plus the probe module, and the probe's counters. */
export function probeApp() {
  const state: ProbeState = { calls: 0 };
  const app = createApp({ modules: [{ basePath: "/", router: createProbeRouter(state) }] });
  return { app, state };
}
