/**
 * Tests-only routes for stage 5 (rate limits), declared with `defineRoute` like
 * real routes, so the P4/P12 suites exercise the real stage before the auth
 * routes exist. A probe guard stands in for stage 4: it sets the principal from
 * `X-Probe-User` / `X-Probe-Key` / `X-Probe-Org` and, with `X-Probe-Session`,
 * defers a session-revocation read (`EXISTS`) into stage 5's round trip, as the
 * identity issue will. With `X-Probe-Member` the handler also stands in for the
 * organization's check (`inOrg`): it reports the caller admitted, so the request's
 * organization limits are consumed after the response; without it they are only
 * read, as for an outsider. Policies are the table's, with windows stretched to one
 * hour: Upstash windows are epoch-aligned, and a test counting inside a short
 * window would flake when it straddles a boundary.
 */
import { z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { createApp } from "../../src/app";
import type { AppEnv, RedisCheckOutcome } from "../../src/context";
import { createRouter } from "../../src/http/openapi";
import { defineRoute, type RouteOptions } from "../../src/pipeline/route";
import { deferRedisCheck, RATE_LIMIT_POLICIES, settleOrgLimits, type LimitRule, type RateLimitPolicy } from "../../src/pipeline/rate-limit";

/** Key prefix of the probe's revocation entries, as the identity issue might name them. */
export const REVOKED_PREFIX = "rs:revoked:";

/** A policy with every window set to one hour (same quotas, same subjects). */
export function hourLong(policy: RateLimitPolicy, name = `probe-${policy.name}`): RateLimitPolicy {
  return { ...policy, name, limits: policy.limits.map((rule): LimitRule => ({ ...rule, window: "1 h" })) };
}

/** Small limits, one per subject, to count to quickly. */
export const PROBE_POLICIES = {
  login: hourLong(RATE_LIMIT_POLICIES.login),
  /** The default policy's subjects (ip, user, org) at the table's quotas, one hour long. */
  default: hourLong(RATE_LIMIT_POLICIES.default),
  /** 3 per IP on this route. */
  small: {
    name: "probe-small",
    onUnavailable: "config",
    limits: [{ name: "ip", subject: "ip", scope: "route", tokens: 3, window: "1 h" }],
  },
  /** 3 per user or API key (API-wide), and a generous per-IP limit. */
  user: {
    name: "probe-user",
    onUnavailable: "config",
    limits: [
      { name: "ip", subject: "ip", scope: "policy", tokens: 1000, window: "1 h" },
      { name: "user", subject: "principal", scope: "policy", tokens: 3, window: "1 h" },
    ],
  },
  /** 2 per IP per route: two routes share the policy, not the counter. */
  endpoint: {
    name: "probe-endpoint",
    onUnavailable: "config",
    limits: [{ name: "endpoint", subject: "ip", scope: "route", tokens: 2, window: "1 h" }],
  },
  /** Four limits at once (ip, user, org, and per route), for the round-trip count. */
  many: {
    name: "probe-many",
    onUnavailable: "config",
    limits: [
      { name: "ip", subject: "ip", scope: "policy", tokens: 100, window: "1 h" },
      { name: "user", subject: "principal", scope: "policy", tokens: 100, window: "1 h" },
      { name: "org", subject: "org", scope: "policy", tokens: 100, window: "1 h" },
      { name: "route", subject: "ip", scope: "route", tokens: 100, window: "1 h" },
    ],
  },
} as const satisfies Record<string, RateLimitPolicy>;

/** What the probe handlers saw. */
export interface RateLimitProbeState {
  calls: number;
  /** The revocation check's outcome, per request id. */
  revocation: Map<string, RedisCheckOutcome>;
}

/**
 * Principals from headers (users, and API keys, which organizations will bring), and
 * a deferred revocation-style read, so the limits can be counted per subject. Runs
 * before each probe route's own stages; routes that declare `auth` still verify a
 * real access token on top.
 */
function probeAuthenticate(state: RateLimitProbeState): MiddlewareHandler<AppEnv> {
  return async function probeAuthenticate(c, next) {
    const user = c.req.header("x-probe-user");
    const key = c.req.header("x-probe-key");
    const org = c.req.header("x-probe-org");
    const scope = org === undefined ? {} : { orgId: org };
    if (user !== undefined) {
      c.set("principal", {
        kind: "user",
        id: user,
        sessionId: crypto.randomUUID(),
        aal: "aal1",
        amr: ["pwd"],
        superAdmin: false,
        ...scope,
      });
    } else if (key !== undefined) {
      c.set("principal", { kind: "api_key", id: key, ...scope });
    }
    const session = c.req.header("x-probe-session");
    if (session !== undefined) {
      deferRedisCheck(c, {
        name: "session_revocation",
        add: (pipeline) => pipeline.exists(`${REVOKED_PREFIX}${session}`),
        decide: (outcome) => {
          state.revocation.set(c.env.edge.requestId, outcome);
        },
      });
    }
    await next();
  };
}

const Ok = z.object({ ok: z.literal(true) });
const ok = { 200: { description: "Passed", content: { "application/json": { schema: Ok } } } } as const;
const LoginInput = z.object({ email: z.string(), password: z.string() });

function getRoute(path: string, options: RouteOptions) {
  return defineRoute({ method: "get", path, responses: ok }, options);
}

/** The probe router around `state`. */
export function createRateLimitProbeRouter(state: RateLimitProbeState) {
  const router = createRouter();
  // Before every probe route's own stages (body, auth, limits): principals from headers.
  router.use("/__rl/*", probeAuthenticate(state));
  const open = { auth: "public" } as const;
  const handle = (c: Context<AppEnv>) => {
    state.calls += 1;
    if (c.req.header("x-probe-member") !== undefined) settleOrgLimits(c);
    return c.json({ ok: true } as const, 200);
  };
  router.openapi(
    defineRoute(
      {
        method: "post",
        path: "/__rl/login",
        request: { body: { content: { "application/json": { schema: LoginInput } } } },
        responses: ok,
      },
      { ...open, rateLimit: PROBE_POLICIES.login },
    ),
    handle,
  );
  router.openapi(getRoute("/__rl/default", open), handle);
  router.openapi(getRoute("/__rl/default-hour", { ...open, rateLimit: PROBE_POLICIES.default }), handle);
  router.openapi(getRoute("/__rl/small", { ...open, rateLimit: PROBE_POLICIES.small }), handle);
  router.openapi(getRoute("/__rl/user", { ...open, rateLimit: PROBE_POLICIES.user }), handle);
  router.openapi(getRoute("/__rl/endpoint-a", { ...open, rateLimit: PROBE_POLICIES.endpoint }), handle);
  router.openapi(getRoute("/__rl/endpoint-b", { ...open, rateLimit: PROBE_POLICIES.endpoint }), handle);
  router.openapi(getRoute("/__rl/many", { ...open, rateLimit: PROBE_POLICIES.many }), handle);
  router.openapi(getRoute("/__rl/exempt", { ...open, rateLimit: "exempt" }), handle);
  // Authenticated: its session-revocation read (and the probe's) still leave, in a round trip of their own.
  router.openapi(getRoute("/__rl/exempt-checked", { auth: { principals: ["user"] }, rateLimit: "exempt" }), handle);
  return router;
}

/** The real pipeline plus the rate-limit probe routes, and the probe's state. */
export function rateLimitProbeApp() {
  const state: RateLimitProbeState = { calls: 0, revocation: new Map() };
  const app = createApp({ modules: [{ basePath: "/", router: createRateLimitProbeRouter(state) }] });
  return { app, state };
}

/** A random private IPv4 address, so tests never share a counter. */
export function randomIp(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(3));
  return `10.${bytes[0] ?? 0}.${bytes[1] ?? 0}.${bytes[2] ?? 0}`;
}

/** A random, recognisable email address. */
export function randomEmail(): string {
  return `probe-${crypto.randomUUID().slice(0, 12)}@example.test`;
}
