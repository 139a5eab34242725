/**
 * Stage 5 (P4, P12): the rate limits of one route, after authenticate (stage 4)
 * and the body stages, before authorize and the handler.
 *
 * One request costs at most ONE HTTP round trip to Upstash on its path for all its
 * limits and the checks other stages deferred (session revocation): one explicit
 * pipeline, sent once (limiters.ts). It costs none when this isolate already knows
 * the caller is refused (the ephemeral cache), and none on `exempt` routes. A
 * request an organization admitted costs one more, after the response (below).
 *
 * Failure: when Redis errs or does not answer within RATE_LIMIT_TIMEOUT_MS, a
 * policy that fails closed (every auth preset) answers 503
 * `rate_limit_unavailable`; the others follow RATE_LIMIT_FAIL_POLICY (default
 * open). Either way a `rate_limit_unavailable` security event is logged.
 * Deferred work (the limiter's `pending`) goes to `waitUntil`, never before the response.
 *
 * An organization's limits (subject `org`) are read in that round trip, not consumed:
 * stage 5 cannot know yet whether the caller belongs to the organization of the path,
 * so they are consumed after the response, in `waitUntil`, and only when the handler's
 * transaction admitted the caller (org-admission.ts). An outsider never spends them.
 */
import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { requestCounters } from "../../alerts";
import type { Config } from "../../env";
import type { AppEnv } from "../../context";
import { AppError } from "../../http/errors";
import { getCookie } from "hono/cookie";
import { log } from "../../lib/log";
import { securityEvent } from "../../lib/security-events";
import type { RedisCheck, RedisCheckOutcome } from "../../context";
import { RATE_LIMIT_HEADER, RATE_LIMIT_POLICY_HEADER, rateLimitFields, type LimitState } from "./headers";
import { clientAddress, limitPrefix, normalizeAccount, subjectKey, type SubjectSources } from "./keys";
import { bodyField } from "./body-field";
import { answerChallenge, knownAddressCheck } from "./challenge";
import { EPHEMERAL_CACHE, PipelinedCommandError } from "./limiters";
import { resolvePolicy, type RateLimitPolicy, type RateLimitPolicyName } from "./policies";
import { orgAdmitted } from "./org-admission";
import { consumeAdmitted, deadline, RateLimitTimeout, runBatch, type AppliedLimit } from "./round-trip";

/** Header Cloudflare sets to the client's address. */
export const CLIENT_IP_HEADER = "cf-connecting-ip";
/** Seconds a client is asked to wait after a 503 `rate_limit_unavailable`. */
export const UNAVAILABLE_RETRY_AFTER = "5";
// Denials kept in this isolate before expired ones are swept (each is a key and a number).
const EPHEMERAL_CACHE_SWEEP_AT = 10_000;
const MAX_ACCOUNT_LENGTH = 1024;

async function accountFrom(c: Context<AppEnv>, policy: RateLimitPolicy, field: string): Promise<SubjectSources["account"]> {
  const fromBody = await bodyField(c, field);
  const whole = fromBody ?? (policy.accountCookie === undefined ? undefined : getCookie(c, policy.accountCookie));
  const value = policy.accountTagged === true ? whole?.split(".", 1)[0] : whole;
  if (value === undefined || value.length > MAX_ACCOUNT_LENGTH) return undefined;
  const normalized = normalizeAccount(value);
  return normalized === "" ? undefined : { field, value: normalized };
}

/** Reset time of a denial this isolate already knows, or 0. */
function knownDenial(key: string, nowMs: number): number {
  if (EPHEMERAL_CACHE.size > EPHEMERAL_CACHE_SWEEP_AT) {
    for (const [k, reset] of EPHEMERAL_CACHE) if (reset < nowMs) EPHEMERAL_CACHE.delete(k);
    if (EPHEMERAL_CACHE.size > EPHEMERAL_CACHE_SWEEP_AT) EPHEMERAL_CACHE.clear();
  }
  const reset = EPHEMERAL_CACHE.get(key) ?? 0;
  return reset > nowMs ? reset : 0;
}

function failsClosed(policy: RateLimitPolicy, config: Config): boolean {
  return policy.onUnavailable === "closed" || (policy.onUnavailable === "config" && config.rateLimit.failPolicy === "closed");
}

function deferToWaitUntil(c: Context<AppEnv>, work: Promise<unknown>): void {
  const settled = work.catch((error: unknown) => {
    log.warn("rate_limit_deferred_failed", { request_id: c.env.edge.requestId, error });
  });
  try {
    c.executionCtx.waitUntil(settled);
  } catch {
    // No execution context (an app run outside a request, e.g. in a script): nothing to extend.
  }
}

async function decideChecks(checks: readonly RedisCheck[], outcomes: readonly RedisCheckOutcome[]): Promise<void> {
  for (const [i, check] of checks.entries()) {
    await check.decide(outcomes[i] ?? { ok: false, reason: "unavailable", error: new Error("no answer") });
  }
}

/**
 * The stage for one policy.
 *
 * @example
 * ```ts
 * rateLimit("login"); // defineRoute adds it; routes say { rateLimit: "login" }
 * ```
 */
export function rateLimit(option?: RateLimitPolicyName | RateLimitPolicy): MiddlewareHandler<AppEnv> {
  const policy = resolvePolicy(option);
  const needsAccount = policy.limits.some((rule) => rule.subject === "account");
  const accountField = policy.accountField ?? "email";
  const challenges = policy.limits.some((rule) => rule.onExceeded === "challenge");

  return async function rateLimit(c, next) {
    const checks = c.get("redisChecks") ?? [];
    if (policy.limits.length === 0 && checks.length === 0) {
      await next();
      return;
    }
    const config = c.env.edge.config;
    const requestId = c.env.edge.requestId;
    // The matched route's pattern (the handler is the last match), e.g. `GET /v1/orgs/:org/risks`.
    const route = `${c.req.method} ${routePath(c, -1)}`;
    const sources: SubjectSources = {
      ip: clientAddress(c.req.header(CLIENT_IP_HEADER)),
      principal: c.get("principal"),
      account: needsAccount ? await accountFrom(c, policy, accountField) : undefined,
    };
    const secret = config.secrets.identifierHashSecret;
    const subjects = await Promise.all(policy.limits.map((rule) => subjectKey(secret, rule, sources)));
    const applied: AppliedLimit[] = [];
    policy.limits.forEach((rule, i) => {
      const subject = subjects[i];
      // An organization's limit is counted only for a caller its check admits (org-admission.ts).
      if (subject !== undefined)
        applied.push({ rule, prefix: limitPrefix(policy, rule, route), subject, afterAdmission: rule.subject === "org" });
    });

    // Already refused in this isolate: refuse again without a round trip.
    const nowMs = Date.now();
    const known = applied.flatMap((a) => {
      // A challenge rule's refusal depends on this request (challenge.ts): never from the cache.
      if (a.rule.onExceeded === "challenge") return [];
      const resetAtMs = knownDenial(`${a.prefix}:${a.subject}`, nowMs);
      return resetAtMs === 0 ? [] : [{ rule: a.rule, remaining: 0, resetAtMs, allowed: false }];
    });
    if (known.length > 0) refuse(c, policy, route, known, nowMs, true);

    // The challenge's "known address" read rides in the same round trip, decided by the stage itself.
    const address = { known: false };
    const addressCheck = challenges ? await knownAddressCheck(secret, policy, sources, address) : undefined;
    const batchChecks = addressCheck === undefined ? checks : [...checks, addressCheck];
    const limit = deadline(config.rateLimit.timeoutMs);
    let outcome: Awaited<ReturnType<typeof runBatch>> | undefined;
    let failure: unknown;
    try {
      outcome = await Promise.race([runBatch(config, applied, batchChecks), limit.promise]);
    } catch (error) {
      failure = error;
    } finally {
      limit.cancel();
    }
    if (outcome === undefined) {
      const closed = failsClosed(policy, config);
      securityEvent("rate_limit_unavailable", {
        request_id: requestId,
        policy: policy.name,
        route,
        decision: closed ? "refused" : "allowed",
        reason:
          failure instanceof RateLimitTimeout || (failure instanceof Error && /abort|timeout/i.test(failure.name)) ? "timeout" : "error",
        error: failure,
      });
      if (closed) throw new AppError("rate_limit_unavailable", { headers: { "Retry-After": UNAVAILABLE_RETRY_AFTER }, cause: failure });
      await decideChecks(
        checks,
        checks.map(() => ({ ok: false, reason: "unavailable", error: failure })),
      );
      // Awaited, not returned: a promise that is already rejected (a handler throwing a
      // non-Error) must have its handler attached at once, or workerd reports it unhandled.
      await next();
      return;
    }

    const { results, checkResults } = outcome;
    deferToWaitUntil(c, Promise.all(results.map((r) => r.pending)));
    const states: LimitState[] = results.map((r, i) => ({
      rule: (applied[i] as AppliedLimit).rule,
      remaining: r.remaining,
      resetAtMs: r.reset,
      allowed: r.success,
    }));
    const doneMs = Date.now();
    // Deferred checks first: a revoked session is a 401 whatever its limits say.
    await decideChecks(
      batchChecks,
      checkResults.map((result) =>
        result instanceof PipelinedCommandError ? { ok: false, reason: "command_failed", error: result } : { ok: true, result },
      ),
    );
    const refusing = states.filter((s) => !s.allowed);
    if (refusing.length > 0) {
      if (!refusing.every((s) => s.rule.onExceeded === "challenge")) refuse(c, policy, route, states, doneMs, false);
      await answerChallenge(c, policy, route, states, doneMs, address.known, sources.ip);
    }
    if (states.length > 0) {
      const fields = rateLimitFields(states, doneMs);
      c.header(RATE_LIMIT_POLICY_HEADER, fields[RATE_LIMIT_POLICY_HEADER]);
      c.header(RATE_LIMIT_HEADER, fields[RATE_LIMIT_HEADER]);
    }
    await next();
    // After the handler: its transaction said whether the caller is the organization's.
    const admitted = applied.filter((a) => a.afterAdmission);
    // The alerts' request counters (per org and API key, src/alerts) ride in that same after-response batch.
    if (admitted.length > 0 && orgAdmitted(c))
      deferToWaitUntil(
        c,
        requestCounters(c).then((counters) => consumeAdmitted(config, admitted, counters)),
      );
  };
}

/** Throws the 429: the problem carries Retry-After and both RateLimit fields; logged as a security event. */
function refuse(
  c: Context<AppEnv>,
  policy: RateLimitPolicy,
  route: string,
  states: readonly LimitState[],
  nowMs: number,
  fromCache: boolean,
): never {
  securityEvent("rate_limited", {
    request_id: c.env.edge.requestId,
    policy: policy.name,
    route,
    limits: states.filter((s) => !s.allowed).map((s) => s.rule.name),
    from_cache: fromCache,
  });
  throw new AppError("rate_limited", { headers: rateLimitFields(states, nowMs) });
}
