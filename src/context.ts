/**
 * The request context: what the pipeline's stages put on a request for the ones
 * after them (request id, configuration, the authenticated principal, Redis reads
 * deferred into the rate limits' one round trip) and the Hono environment type
 * built from it. Types (and one accessor), at the bottom of the import graph: every
 * layer may import it, it imports nothing of the app but the configuration's types.
 */
import type { Pipeline } from "@upstash/redis/cloudflare";
import type { Bindings, Config } from "./env";

/** A signed-in person, from a verified access token (P8). */
export interface UserPrincipal {
  readonly kind: "user";
  /** The user id. Hashed before it reaches a Redis key. */
  readonly id: string;
  /** The session the access token belongs to (`sid`); revoked sessions are refused at once. */
  readonly sessionId: string;
  /** Assurance level of the session (P7): `aal2` after a second factor. */
  readonly aal: "aal1" | "aal2";
  readonly amr: readonly string[];
  /** A platform super administrator (only ever acts with `aal2`). */
  readonly superAdmin: boolean;
  /** The organization the request acts in, when it is tenant-scoped (P12: tenant keys carry it). */
  readonly orgId?: string;
}

/**
 * A machine client presenting an organization's API key (P9). Stage 4 only checked
 * the key's format: the key is authenticated by the handler's own transaction
 * (`inOrg`), which fails the request with 401 when no live key has its digest.
 */
export interface ApiKeyPrincipal {
  readonly kind: "api_key";
  /**
   * The API key's id (never the key itself), derived from the key's digest
   * (src/crypto/api-keys.ts) so it is known without I/O. Hashed before it reaches a Redis key.
   */
  readonly id: string;
  /** The organization of the path; the transaction refuses a key of another one (404). */
  readonly orgId?: string;
}

/**
 * What stage 4 keeps of a presented API key for the handler's transaction, which
 * authenticates it. Never logged, never stored.
 */
export interface PresentedApiKey {
  /** HMAC digest of the key (P10): the transaction finds the live key by it. */
  readonly digest: string;
  /** The key's non-secret start (`rk_live_ab12cd`), for the log line of a refused key. */
  readonly displayPrefix: string;
  /** Set by stage 5 when this is the key's first request of the minute: `last_used_at` is written after the response. */
  lastUsedDue: boolean;
  /** Set once the request's transaction found the key live; stage 6 refuses a success answered without it. */
  authenticated: boolean;
}

/** The authenticated caller, as stage 4 sets it (P4 and P12 key limits on it). */
export type Principal = UserPrincipal | ApiKeyPrincipal;

/** The answer to a deferred Redis command: its result, or why there is none (Redis failed or timed out). */
export type RedisCheckOutcome =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly reason: "unavailable" | "command_failed"; readonly error: unknown };

/**
 * One Redis command a stage defers into stage 5's round trip, and what to do with
 * its answer (see `deferRedisCheck` in the rate-limit stage).
 */
export interface RedisCheck {
  /** For logs. */
  readonly name: string;
  /** Adds exactly ONE command to the pipeline (e.g. `pipeline.exists(key)`). */
  readonly add: (pipeline: Pipeline) => Pipeline;
  /**
   * Decides the request once the answer is in, before the handler: throw an
   * `AppError` to refuse it. Also called with `ok: false` when Redis failed, so the
   * check chooses its own failure policy.
   */
  readonly decide: (outcome: RedisCheckOutcome) => void | Promise<void>;
}

/**
 * What a route lets its caller do in an organization (P9), the role matrix's action
 * classes: `read` records and evidence; `write` them; `audit` (audit log, security
 * events); `manage` members, API keys and settings; `own` (delete the organization,
 * transfer ownership); `evidence:read` (list and download evidence files: every role)
 * and `evidence:write` (upload and delete them: the roles that write), which API keys
 * hold only with the `evidence:*` scopes.
 */
export type Permission = "read" | "write" | "audit" | "manage" | "own" | "evidence:read" | "evidence:write";

/** An organization route's request, as stage 6 (authorize) sets it: where, and what it needs. */
export interface OrgAccess {
  readonly orgId: string;
  readonly permission: Permission;
}

/**
 * What the edge (stage 1) knows of a request before the router sees it. The edge runs
 * in front of Hono, not as its middleware, so it hands these over on the request's
 * `env` (see {@link RequestBindings}) rather than with `c.set`.
 */
export interface EdgeFacts {
  /** Echoed in `X-Request-Id` and every problem. */
  readonly requestId: string;
  /**
   * The parsed configuration: always complete and valid once a route runs. Only the
   * error handler can meet a request refused before it was parsed (the configuration
   * did not parse), and reads it as optional there.
   */
  readonly config: Config;
}

/** What a stage before routing (the WAF) reads and may change of a request. */
export interface EdgeRequest {
  /** The request the router will get; a stage that re-frames the body (the WAF) replaces it. */
  raw: Request;
  /** The path as the router matches it (Hono's `c.req.path`: decoded, no query). */
  readonly path: string;
  /** The edge's facts: the request id and the configuration. */
  readonly facts: EdgeFacts;
}

/**
 * The bindings as a request's handlers see them (`c.env`): the worker's own, plus the
 * edge's facts under `edge`. Each request's object inherits the bindings from the
 * worker's env (a prototype link, no copy), so `c.env.DB` reads as ever.
 */
export interface RequestBindings extends Bindings {
  readonly edge: EdgeFacts;
}

/**
 * The edge's facts as far as they got, for the error path: a request refused before
 * its configuration was parsed has no `config`, and a context built outside the app
 * (a unit test's) has no `edge` at all.
 */
export function edgeFactsSoFar(c: { readonly env: unknown }): Partial<EdgeFacts> {
  return (c.env as Partial<RequestBindings> | undefined)?.edge ?? {};
}

/** Per-request values set by the stages after the edge (inside the router). */
export interface Variables {
  /**
   * Who is calling. Set by stage 4 (authenticate) for a valid access token or API
   * key; unset for anonymous callers. Stage 5 keys per-user, per-key and
   * per-organization rate limits on it (P4, P12).
   */
  principal?: Principal;
  /** Set by stage 4 with an API key principal: the key as the handler's transaction authenticates it. */
  apiKey?: PresentedApiKey;
  /**
   * Redis reads that earlier stages (stage 4's session-revocation check) want sent in
   * stage 5's one round trip, with the rate limits. Stage 5 runs and decides them
   * before the handler.
   */
  redisChecks?: RedisCheck[];
  /**
   * Set by stage 6 on organization routes: the handler's one transaction starts
   * with the check it names (`inOrg`), so the check and the work commit together.
   */
  access?: OrgAccess;
}

/** The Hono environment of the whole app. */
export interface AppEnv {
  Bindings: RequestBindings;
  Variables: Variables;
}
