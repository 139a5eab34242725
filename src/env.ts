/**
 * The worker's bindings and its configuration. Raw bindings are strings from
 * wrangler.toml [vars] and secrets; `getConfig` parses them once per env object
 * with zod into a frozen, typed `Config`. An invalid configuration never yields a
 * partial config: every request then fails with a 500, and the reason is logged once.
 */
import { z } from "zod";
import { log } from "./lib/log";
import { err, ok, type Result } from "./lib/result";
import { identityConfig, identityShape, IDENTITY_BINDINGS, type IdentityConfig, type IdentitySecrets } from "./config/identity";
import {
  evidenceConfig,
  evidenceShape,
  EVIDENCE_BINDINGS,
  urlSigningKeys,
  type EvidenceConfig,
  type UrlSigningKey,
} from "./config/evidence";
import { httpsUrl, secret, serviceUrl, text } from "./config/rules";
import { INTEGRATION_BINDINGS, integrationsConfig, integrationsShape, type IntegrationsConfig } from "./config/integrations";
import { ALERT_BINDINGS, alertsConfig, alertsShape, type AlertsConfig } from "./config/alerts";
import { REMINDER_BINDINGS, remindersConfig, remindersShape, type RemindersConfig } from "./config/reminders";
import { loopbackAliases, parseLocalDevOrigin, parseUrl } from "./lib/urls";
import { BACKUP_BINDINGS, backupsShape, type BackupKey } from "./config/backups";
import { TLS_VERSIONS, type TlsVersion } from "./config/tls";

/** Names of the string bindings (vars and secrets) the worker reads. */
export const BINDING_NAMES = [
  "APP_ENV",
  "MIN_TLS_VERSION",
  "READY_TIMEOUT_MS",
  "BODY_READ_TIMEOUT_MS",
  "DATABASE_TIMEOUT_MS",
  "LOCAL_DEV_ORIGIN",
  "WAF_MODE",
  "WAF_PARANOIA",
  "WAF_THRESHOLD",
  "RATE_LIMIT_TIMEOUT_MS",
  "RATE_LIMIT_FAIL_POLICY",
  "SECURITY_CONTACT",
  "SECURITY_POLICY_URL",
  "SECURITY_CANONICAL_URL",
  "SECURITY_PREFERRED_LANGUAGES",
  "SECURITY_TXT_EXPIRES",
  "DATABASE_URL",
  "NEON_HTTP_ENDPOINT",
  "NEON_WS_PROXY",
  "UPSTASH_REDIS_REST_URL",
  "UPSTASH_REDIS_REST_TOKEN",
  "RESEND_API_KEY",
  "RESEND_BASE_URL",
  "DATA_ENCRYPTION_KEYS",
  "URL_SIGNING_SECRET",
  "STRIPE_WEBHOOK_SECRETS",
  "IDENTIFIER_HASH_SECRET",
  "API_KEY_HASH_SECRET",
  ...IDENTITY_BINDINGS,
  ...EVIDENCE_BINDINGS,
  ...INTEGRATION_BINDINGS,
  ...ALERT_BINDINGS,
  ...REMINDER_BINDINGS,
  ...BACKUP_BINDINGS,
] as const;

/** What the runtime hands the worker. Strings are unvalidated until `getConfig`. */
export type Bindings = { readonly [K in (typeof BINDING_NAMES)[number]]?: string } & {
  /** R2 bucket for evidence files (P14). */
  readonly EVIDENCE: R2Bucket;
  /** R2 bucket for the organizations' encrypted exports (P15), apart from the evidence files. */
  readonly BACKUPS: R2Bucket;
  /** The job queue (src/queue): every message names its job type and its organization (P12). */
  readonly JOBS: Queue<{ readonly type: string; readonly org_id: string }>;
  /** Static files of swagger-ui-dist, for /docs. */
  readonly ASSETS: Fetcher;
};

export { TLS_VERSIONS, type TlsVersion } from "./config/tls";

const contactUri = text.refine((v) => /^(?:mailto:[^\s@]+@[^\s@]+|tel:\+?[0-9-]+)$/.test(v) || parseUrl(v)?.protocol === "https:", {
  message: "must be a mailto:, tel: or https:// URI",
});
// RFC 5646 language tags, comma separated (RFC 9116 §2.5.8).
const LANGUAGE_LIST = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*(?:\s*,\s*[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)*$/;

// Built with the first configuration it parses (the first request), not at start-up.
const buildSchema = () =>
  z
    .object({
      ...identityShape,
      ...evidenceShape,
      ...integrationsShape,
      ...alertsShape,
      ...remindersShape,
      ...backupsShape,
      APP_ENV: z.enum(["production", "staging", "development", "test"]),
      MIN_TLS_VERSION: z.enum(TLS_VERSIONS).default("TLSv1.3"),
      READY_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(1500),
      BODY_READ_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
      DATABASE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
      WAF_MODE: z.enum(["block", "log"]).default("block"),
      WAF_PARANOIA: z.coerce
        .number()
        .pipe(z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]))
        .default(1),
      WAF_THRESHOLD: z.coerce.number().int().min(1).max(1000).default(5),
      RATE_LIMIT_TIMEOUT_MS: z.coerce.number().int().min(50).max(1000).default(500),
      RATE_LIMIT_FAIL_POLICY: z.enum(["open", "closed"]).default("open"),
      LOCAL_DEV_ORIGIN: text
        .refine((v) => parseLocalDevOrigin(v) !== undefined, {
          message: "must be http://localhost, http://127.0.0.1 or http://[::1] with an explicit port and nothing else",
        })
        .optional(),
      SECURITY_CONTACT: text.transform((v) => v.split(/\s*,\s*/)).pipe(z.array(contactUri).min(1)),
      SECURITY_POLICY_URL: httpsUrl,
      SECURITY_CANONICAL_URL: httpsUrl,
      SECURITY_PREFERRED_LANGUAGES: text.regex(LANGUAGE_LIST, "must be comma-separated language tags"),
      SECURITY_TXT_EXPIRES: z.iso.datetime({ offset: true }),
      DATABASE_URL: text.refine((v) => /^postgres(?:ql)?:$/.test(parseUrl(v)?.protocol ?? ""), { message: "must be a postgres:// URL" }),
      NEON_HTTP_ENDPOINT: serviceUrl("https:", "http:").optional(),
      NEON_WS_PROXY: serviceUrl("wss:", "ws:").optional(),
      UPSTASH_REDIS_REST_URL: serviceUrl("https:", "http:"),
      UPSTASH_REDIS_REST_TOKEN: secret(1),
      RESEND_API_KEY: secret(1),
      RESEND_BASE_URL: serviceUrl("https:", "http:").optional(),
      DATA_ENCRYPTION_KEYS: secret(1),
      URL_SIGNING_SECRET: urlSigningKeys,
      STRIPE_WEBHOOK_SECRETS: secret(1),
      IDENTIFIER_HASH_SECRET: secret(32),
      API_KEY_HASH_SECRET: secret(32),
    })
    // Plain http can only ever be opened on a developer's machine.
    .refine((v) => v.LOCAL_DEV_ORIGIN === undefined || v.APP_ENV === "development" || v.APP_ENV === "test", {
      path: ["LOCAL_DEV_ORIGIN"],
      message: "may only be set when APP_ENV is development or test",
    });
let schema: ReturnType<typeof buildSchema> | undefined;

/** The validated configuration. Secrets are kept apart so nothing logs them by accident. */
export interface Config {
  readonly appEnv: "production" | "staging" | "development" | "test";
  readonly minTlsVersion: TlsVersion;
  readonly readyTimeoutMs: number;
  /**
   * Stage 2 (P3): how long a request body may take to arrive, 100–60000 ms; past it
   * the request is refused with 408 and the stream is cancelled (a stalled upload
   * must not hold the request open until the client gives up).
   */
  readonly bodyReadTimeoutMs: number;
  /** Stage 2 (P3): `block` refuses at the threshold, `log` only records; paranoia 1–4; anomaly threshold. */
  readonly waf: { readonly mode: "block" | "log"; readonly paranoia: 1 | 2 | 3 | 4; readonly threshold: number };
  /** Stage 5 (P4): how long the rate-limit round trip may take, and what routes without their own rule do when Redis fails. */
  readonly rateLimit: {
    /** Deadline of the one Redis round trip, 50–1000 ms; past it Redis counts as unavailable. */
    readonly timeoutMs: number;
    /** `open`: allow and log a security event; `closed`: 503. Auth presets always fail closed. */
    readonly failPolicy: "open" | "closed";
  };
  /**
   * The only origins served over plain http: LOCAL_DEV_ORIGIN's port under each
   * loopback name (`http://localhost:8787`, `http://127.0.0.1:8787`, `http://[::1]:8787`); empty in production.
   */
  readonly localDevOrigins: readonly string[];
  readonly securityTxt: {
    readonly contacts: readonly string[];
    /** RFC 3339, UTC, seconds precision. */
    readonly expires: string;
    readonly expiresAtMs: number;
    readonly policy: string;
    readonly canonical: string;
    readonly preferredLanguages: string;
  };
  readonly database: {
    readonly url: string;
    readonly httpEndpoint: string | undefined;
    readonly wsProxy: string | undefined;
    /** A database round trip that takes longer is abandoned: 503 `database_unavailable`, never a hang. */
    readonly timeoutMs?: number;
  };
  readonly redis: { readonly url: string; readonly token: string };
  readonly email: { readonly apiKey: string; readonly baseUrl: string | undefined };
  /** Accounts, sessions, MFA (P5–P8). */
  readonly identity: IdentityConfig;
  /** Evidence files (P14): limits, signed URLs' lifetime. */
  readonly evidence: EvidenceConfig;
  /** Integrations (P18): the bank's authorization server. */
  readonly integrations: IntegrationsConfig;
  /** Alerts (P16): thresholds, windows, the baseline, operators' addresses (src/config/alerts.ts). */
  readonly alerts: AlertsConfig;
  /** Deadline reminders (P17): lead times, emails per queue message (src/config/reminders.ts). */
  readonly reminders: RemindersConfig;
  readonly secrets: IdentitySecrets & {
    readonly dataEncryptionKeys: string;
    /**
     * URL_SIGNING_SECRET: the keys of signed evidence URLs, newest first; the first signs,
     * every one verifies (`kid:secret,kid:secret`; src/config/evidence.ts).
     */
    readonly urlSigningKeys: readonly UrlSigningKey[];
    readonly stripeWebhookSecrets: string;
    readonly identifierHashSecret: string;
    /** API keys' stored digests and the ids derived from them (P10); apart from TOKEN_HASH_SECRET so either rotates alone. */
    readonly apiKeyHashSecret: string;
    /** The bank's OAuth2 client secret (P18); undefined for a public client. */
    readonly bankClientSecret: string | undefined;
    /** BACKUP_ENCRYPTION_KEYS (P15; src/config/backups.ts): newest first; the first seals, each opens its own exports. */
    readonly backupKeys: readonly BackupKey[];
  };
}

function localDevOrigins(value: string | undefined): readonly string[] {
  const origin = value === undefined ? undefined : parseLocalDevOrigin(value);
  return origin === undefined ? [] : loopbackAliases(origin);
}

/** One reason the configuration was refused: the binding and the rule, never the value. */
export interface ConfigIssue {
  readonly binding: string;
  readonly message: string;
}

const cache = new WeakMap<object, Result<Config, readonly ConfigIssue[]>>();

/**
 * Parses the bindings into a `Config`, once per env object (WeakMap cache), so the
 * per-request cost is one map lookup. A failure is cached and logged once too. Give it
 * the worker's own `env` (the edge does), not a request's `c.env`, which is a new
 * object per request (RequestBindings): a handler reads `c.env.edge.config`.
 *
 * @example
 * ```ts
 * const config = getConfig(env);
 * if (!config.ok) throw new ConfigUnavailableError();
 * ```
 */
export function getConfig(env: Bindings): Result<Config, readonly ConfigIssue[]> {
  const cached = cache.get(env);
  if (cached) return cached;
  const result = parseConfig(env);
  if (!result.ok) log.error("config_invalid", { issues: result.error });
  cache.set(env, result);
  return result;
}

/** Parses without caching or logging (for tests of the rules). */
export function parseConfig(env: Bindings): Result<Config, readonly ConfigIssue[]> {
  const raw: Record<string, unknown> = {};
  for (const name of BINDING_NAMES) {
    const value = env[name];
    // An empty var means "not set", as wrangler passes `--var X:` through as "".
    if (value !== undefined && value !== "") raw[name] = value;
  }
  const parsed = (schema ??= buildSchema()).safeParse(raw);
  if (!parsed.success) {
    return err(parsed.error.issues.map((issue) => ({ binding: issue.path.join(".") || "(root)", message: issue.message })));
  }
  const v = parsed.data;
  const identity = identityConfig(v);
  const integrations = integrationsConfig(v);
  const expiresAtMs = Date.parse(v.SECURITY_TXT_EXPIRES);
  return ok(
    Object.freeze({
      appEnv: v.APP_ENV,
      minTlsVersion: v.MIN_TLS_VERSION,
      readyTimeoutMs: v.READY_TIMEOUT_MS,
      bodyReadTimeoutMs: v.BODY_READ_TIMEOUT_MS,
      waf: { mode: v.WAF_MODE, paranoia: v.WAF_PARANOIA, threshold: v.WAF_THRESHOLD },
      rateLimit: { timeoutMs: v.RATE_LIMIT_TIMEOUT_MS, failPolicy: v.RATE_LIMIT_FAIL_POLICY },
      localDevOrigins: localDevOrigins(v.LOCAL_DEV_ORIGIN),
      securityTxt: {
        contacts: v.SECURITY_CONTACT,
        expires: new Date(expiresAtMs).toISOString().replace(/\.\d{3}Z$/, "Z"),
        expiresAtMs,
        policy: v.SECURITY_POLICY_URL,
        canonical: v.SECURITY_CANONICAL_URL,
        preferredLanguages: v.SECURITY_PREFERRED_LANGUAGES,
      },
      database: { url: v.DATABASE_URL, httpEndpoint: v.NEON_HTTP_ENDPOINT, wsProxy: v.NEON_WS_PROXY, timeoutMs: v.DATABASE_TIMEOUT_MS },
      redis: { url: v.UPSTASH_REDIS_REST_URL, token: v.UPSTASH_REDIS_REST_TOKEN },
      email: { apiKey: v.RESEND_API_KEY, baseUrl: v.RESEND_BASE_URL },
      identity: identity.identity,
      evidence: evidenceConfig(v),
      integrations: integrations.integrations,
      alerts: alertsConfig(v),
      reminders: remindersConfig(v),
      secrets: {
        ...identity.secrets,
        dataEncryptionKeys: v.DATA_ENCRYPTION_KEYS,
        urlSigningKeys: v.URL_SIGNING_SECRET,
        stripeWebhookSecrets: v.STRIPE_WEBHOOK_SECRETS,
        identifierHashSecret: v.IDENTIFIER_HASH_SECRET,
        apiKeyHashSecret: v.API_KEY_HASH_SECRET,
        ...integrations.secrets,
        backupKeys: v.BACKUP_ENCRYPTION_KEYS,
      },
    }),
  );
}
