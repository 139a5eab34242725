/**
 * A tests-only module for the WAF (P3): routes declared with the real mechanism
 * (`defineRoute`), one of them with a WAF exclusion the way a future incidents
 * route would declare it: its `description` may quote SQL and HTML, so that one
 * field is excluded from the `sqli` and `xss` groups, nothing else.
 */
import { z } from "@hono/zod-openapi";
import { createApp } from "../../src/app";
import { createRouter } from "../../src/http/openapi";
import { defineRoute } from "../../src/pipeline/route";

/** Counts handler calls: a blocked request never reaches its handler. */
export interface WafProbeState {
  calls: number;
}

const Report = z.object({ title: z.string().max(200), description: z.string().max(50_000), notes: z.string().max(2000).optional() });

const report = defineRoute(
  {
    method: "post",
    path: "/__waf/reports",
    request: { body: { content: { "application/json": { schema: Report } } } },
    responses: { 200: { description: "Accepted", content: { "application/json": { schema: z.object({ ok: z.boolean() }) } } } },
  },
  { auth: "public", waf: { exclude: [{ fields: ["description"], groups: ["sqli", "xss"] }] } },
);

const plain = defineRoute(
  {
    method: "post",
    path: "/__waf/notes",
    request: { body: { content: { "application/json": { schema: Report } } } },
    responses: { 200: { description: "Accepted", content: { "application/json": { schema: z.object({ ok: z.boolean() }) } } } },
  },
  { auth: "public" },
);

const search = defineRoute(
  {
    method: "get",
    path: "/__waf/search",
    request: { query: z.object({ q: z.string().max(500).optional() }) },
    responses: { 200: { description: "Results", content: { "application/json": { schema: z.object({ q: z.string() }) } } } },
  },
  { auth: "public" },
);

/** The real pipeline plus the WAF probe routes. */
export function wafProbeApp() {
  const state: WafProbeState = { calls: 0 };
  const router = createRouter();
  router.openapi(report, (c) => {
    state.calls += 1;
    return c.json({ ok: true }, 200);
  });
  router.openapi(plain, (c) => {
    state.calls += 1;
    return c.json({ ok: true }, 200);
  });
  router.openapi(search, (c) => {
    state.calls += 1;
    return c.json({ q: c.req.valid("query").q ?? "" }, 200);
  });
  const app = createApp({ modules: [{ basePath: "/", router }] });
  return { app, state };
}
