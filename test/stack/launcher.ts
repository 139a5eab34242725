/**
 * One launcher for `npm run dev`, the test setup and the benchmark: it starts the
 * local stand-ins in front of real services when their URLs are given, or in front
 * of embedded ones when not, and tells the worker where they are. The worker sees
 * only URLs and secrets (workerVars), never which backend answers.
 */
import { startNeonGateway, type NeonGateway } from "./neon-gateway/index.ts";
import { startUpstashGateway, type UpstashGateway } from "./upstash-gateway/index.ts";
import { startResendCapture, type CapturedEmail, type ResendCapture } from "./resend-capture.ts";

export interface StackOptions {
  /** A real Postgres (owner/superuser URL); unset → embedded PGlite. */
  readonly databaseUrl?: string | undefined;
  /** A real Redis (redis://…); unset → the embedded store. */
  readonly redisUrl?: string | undefined;
  /** Where embedded PGlite keeps its data; unset → in memory. */
  readonly pgliteDataDir?: string | undefined;
  readonly upstashToken: string;
  readonly resendApiKey: string;
  /** Fixed ports for dev (stable URLs across restarts); 0 or unset → free ports. */
  readonly ports?: { readonly neon?: number; readonly upstash?: number; readonly resend?: number };
  readonly onEmail?: (message: CapturedEmail) => void;
}

export interface Stack {
  readonly neon: NeonGateway;
  readonly upstash: UpstashGateway;
  readonly resend: ResendCapture;
  /** The worker's non-secret bindings that point it at the stand-ins. */
  workerVars(): Record<string, string>;
  close(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const started: { close(): Promise<void> }[] = [];
  try {
    const neon = await startNeonGateway({
      ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
      ...(options.pgliteDataDir ? { dataDir: options.pgliteDataDir } : {}),
      port: options.ports?.neon ?? 0,
    });
    started.push(neon);
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
    return {
      neon,
      upstash,
      resend,
      workerVars: () => ({
        DATABASE_URL: neon.connectionString,
        NEON_HTTP_ENDPOINT: neon.httpEndpoint,
        NEON_WS_PROXY: neon.wsProxy,
        UPSTASH_REDIS_REST_URL: upstash.url,
        RESEND_BASE_URL: resend.url,
      }),
      close: () => closeAll(started),
    };
  } catch (err) {
    await closeAll(started);
    throw err;
  }
}

async function closeAll(items: readonly { close(): Promise<void> }[]): Promise<void> {
  const results = await Promise.allSettled([...items].reverse().map((s) => s.close()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}
