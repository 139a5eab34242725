/**
 * One launcher for `npm run dev`, the test setup and the benchmark: it starts the
 * local stand-ins in front of real services when their URLs are given, or in front
 * of embedded ones when not, and tells the worker where they are. The worker sees
 * only URLs and secrets (workerVars), never which backend answers.
 */
import { randomBytes } from "node:crypto";
import { APP_ROLE, migrate } from "../../drizzle/migrate.ts";
import { startNeonGateway, type NeonGateway } from "./neon-gateway/index.ts";
import { startUpstashGateway, type UpstashGateway } from "./upstash-gateway/index.ts";
import { startResendCapture, type CapturedEmail, type ResendCapture } from "./resend-capture.ts";
import { startHibpRange, type HibpRange } from "./hibp-range/index.ts";
import { SITEVERIFY_PATH, startTurnstile, type TurnstileSiteverify } from "./turnstile/index.ts";
import { startBankOAuth, type BankOAuth } from "./bank-oauth.ts";

/** The OAuth client id the worker uses at the bank stand-in (BANK_CLIENT_ID; letters only: the package reads HTTP Basic names without form-decoding them). */
export const BANK_CLIENT_ID = "rampart";

export interface StackOptions {
  /** A real Postgres (owner/superuser URL); unset → embedded PGlite. */
  readonly databaseUrl?: string | undefined;
  /** A real Redis (redis://…); unset → the embedded store. */
  readonly redisUrl?: string | undefined;
  /** Where embedded PGlite keeps its data; unset → in memory. */
  readonly pgliteDataDir?: string | undefined;
  readonly upstashToken: string;
  readonly resendApiKey: string;
  /** The worker's OAuth client secret at the bank stand-in (BANK_CLIENT_SECRET, a worker secret). */
  readonly bankClientSecret: string;
  /** Fixed ports for dev (stable URLs across restarts); 0 or unset → free ports. */
  readonly ports?: {
    readonly neon?: number;
    readonly upstash?: number;
    readonly resend?: number;
    readonly hibp?: number;
    readonly turnstile?: number;
    readonly bank?: number;
  };
  readonly onEmail?: (message: CapturedEmail) => void;
}

export interface Stack {
  readonly neon: NeonGateway;
  /** DATABASE_URL of the worker: the app role (rampart_app) at the same database as `neon.connectionString` (the owner). */
  readonly appConnectionString: string;
  readonly upstash: UpstashGateway;
  readonly resend: ResendCapture;
  /** Pwned Passwords range API (HIBP_API_URL). */
  readonly hibp: HibpRange;
  /** Turnstile siteverify (TURNSTILE_VERIFY_URL); the worker only calls it when TURNSTILE_SECRET_KEY is set. */
  readonly turnstile: TurnstileSiteverify;
  /** The bank's OAuth2 authorization server (BANK_ISSUER), `oauth2-mock-server` made strict. */
  readonly bank: BankOAuth;
  /** The worker's non-secret bindings that point it at the stand-ins. */
  workerVars(): Record<string, string>;
  close(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const started: { close(): Promise<void> }[] = [];
  try {
    const neon = await startMigratedNeonGateway(options);
    started.push(neon.gateway);
    const upstash = await startUpstashGateway({
      ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
      token: options.upstashToken,
      port: options.ports?.upstash ?? 0,
    });
    started.push(upstash);
    const resend = await startResendCapture({
      apiKey: options.resendApiKey,
      port: options.ports?.resend ?? 0,
      ...(options.onEmail ? { onMessage: options.onEmail } : {}),
    });
    started.push(resend);
    const hibp = await startHibpRange({ port: options.ports?.hibp ?? 0 });
    started.push(hibp);
    const turnstile = await startTurnstile({ port: options.ports?.turnstile ?? 0 });
    started.push(turnstile);
    const bank = await startBankOAuth({ clientId: BANK_CLIENT_ID, clientSecret: options.bankClientSecret, port: options.ports?.bank ?? 0 });
    started.push(bank);
    return {
      neon: neon.gateway,
      appConnectionString: neon.appConnectionString,
      upstash,
      resend,
      hibp,
      turnstile,
      bank,
      // No TURNSTILE_SECRET_KEY here: Turnstile stays off unless a test or a developer sets one.
      workerVars: () => ({
        DATABASE_URL: neon.appConnectionString,
        NEON_HTTP_ENDPOINT: neon.gateway.httpEndpoint,
        NEON_WS_PROXY: neon.gateway.wsProxy,
        UPSTASH_REDIS_REST_URL: upstash.url,
        RESEND_BASE_URL: resend.url,
        HIBP_API_URL: hibp.url,
        TURNSTILE_VERIFY_URL: `${turnstile.url}${SITEVERIFY_PATH}`,
        BANK_ISSUER: bank.issuer,
        BANK_CLIENT_ID: BANK_CLIENT_ID,
      }),
      close: () => closeAll(started),
    };
  } catch (err) {
    await closeAll(started);
    throw err;
  }
}

/**
 * A Neon gateway whose database has every migration applied (as the owner) and an app
 * role password only this run knows: the worker logs in as rampart_app, like production.
 */
export async function startMigratedNeonGateway(
  options: Pick<StackOptions, "databaseUrl" | "pgliteDataDir"> & {
    readonly port?: number | undefined;
    readonly ports?: StackOptions["ports"];
  },
): Promise<{ gateway: NeonGateway; appConnectionString: string }> {
  const appPassword = randomBytes(18).toString("base64url");
  const gateway = await startNeonGateway({
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    ...(options.pgliteDataDir ? { dataDir: options.pgliteDataDir } : {}),
    port: options.port ?? options.ports?.neon ?? 0,
    prepare: (target) => migrate(target, { appPassword }),
  });
  return { gateway, appConnectionString: withLogin(gateway.connectionString, APP_ROLE, appPassword) };
}

/** The same database URL, logging in as another role. */
export function withLogin(connectionString: string, user: string, password: string): string {
  const url = new URL(connectionString);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  return url.toString();
}

async function closeAll(items: readonly { close(): Promise<void> }[]): Promise<void> {
  const results = await Promise.allSettled([...items].reverse().map((s) => s.close()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}
