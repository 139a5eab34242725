/**
 * Runs the real worker under `wrangler dev` (workerd) in front of the stand-ins.
 * Used by `npm run dev`, the browser tests and the benchmark, so all three see the
 * same code path as production: only URLs and secrets differ.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { connect, createServer, type Server } from "node:net";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { startStack, type Stack } from "./launcher.ts";
import { ensureDevVars } from "./secrets.ts";
import type { CapturedEmail } from "./resend-capture.ts";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Environment that keeps wrangler off the network (README "Toolchain notes"). */
export const offlineWranglerEnv = {
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
  DO_NOT_TRACK: "1",
} as const;

export interface DevServerOptions {
  /** Port for the worker; 0 or unset → a free one. */
  readonly port?: number;
  readonly databaseUrl?: string | undefined;
  readonly redisUrl?: string | undefined;
  /** Persist embedded PGlite here (dev); unset → in memory (tests). */
  readonly pgliteDataDir?: string | undefined;
  /** Show wrangler's output live (dev) instead of keeping it for error reports (tests). */
  readonly inheritOutput?: boolean;
  readonly onEmail?: (message: CapturedEmail) => void;
  /** How long to wait for /healthz before giving up. */
  readonly readyTimeoutMs?: number;
  /** Another wrangler config (the benchmark's worker); default: the app's wrangler.toml. */
  readonly configPath?: string;
  /** Extra worker vars (the benchmark's fence URL). */
  readonly extraVars?: Readonly<Record<string, string>>;
  /** Extra `wrangler dev` arguments (e.g. `--inspector-port` for profiling). */
  readonly extraArgs?: readonly string[];
  /** Reuse an already running stack instead of starting one (it is then not closed by stop()). */
  readonly stack?: Stack;
}

export interface DevServer {
  readonly url: string;
  readonly stack: Stack;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const { vars: secrets } = await ensureDevVars(join(repoRoot, ".dev.vars"));
  const token = secrets.UPSTASH_REDIS_REST_TOKEN;
  const resendKey = secrets.RESEND_API_KEY;
  const bankSecret = secrets.BANK_CLIENT_SECRET;
  if (!token || !resendKey || !bankSecret)
    throw new Error(".dev.vars lacks UPSTASH_REDIS_REST_TOKEN, RESEND_API_KEY or BANK_CLIENT_SECRET");

  const ownStack = !options.stack;
  const stack =
    options.stack ??
    (await startStack({
      databaseUrl: options.databaseUrl,
      redisUrl: options.redisUrl,
      pgliteDataDir: options.pgliteDataDir,
      upstashToken: token,
      resendApiKey: resendKey,
      bankClientSecret: bankSecret,
      ...(options.onEmail ? { onEmail: options.onEmail } : {}),
    }));
  const port = options.port || (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const vars: Record<string, string> = { ...stack.workerVars(), APP_ENV: "development", LOCAL_DEV_ORIGIN: url, ...options.extraVars };
  const args = [
    join(repoRoot, "node_modules/wrangler/bin/wrangler.js"),
    "dev",
    // Another config dir has no .dev.vars of its own: load the repo's secrets explicitly.
    ...(options.configPath ? ["--config", options.configPath, "--env-file", join(repoRoot, ".dev.vars")] : []),
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--persist-to",
    join(repoRoot, ".data/wrangler"),
    "--show-interactive-dev-session=false",
    // `GET /__scheduled?cron=<cron>` runs a Cron Trigger by hand (README "Scheduled work").
    "--test-scheduled",
    ...(options.extraArgs ?? []),
    ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
  ];
  // Own process group, so stop() ends wrangler and its workerd children together (README "Toolchain notes").
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    detached: true,
    env: { ...process.env, ...offlineWranglerEnv },
    stdio: options.inheritOutput ? "inherit" : ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  child.stdout?.on("data", (d: Buffer) => output.push(d.toString()));
  child.stderr?.on("data", (d: Buffer) => output.push(d.toString()));

  // workerd listens on one address (127.0.0.1); `localhost` may resolve to ::1 first, and
  // `http://[::1]:PORT` is a loopback name the worker accepts too, so ::1 is forwarded to it.
  const ipv6 = await forwardIpv6Loopback(port);
  const stop = async (): Promise<void> => {
    ipv6?.close();
    await killGroup(child);
    if (ownStack) await stack.close();
  };
  try {
    await waitForHealth(url, child, options.readyTimeoutMs ?? 60_000);
  } catch (err) {
    await stop();
    const tail = output.join("").slice(-4000);
    throw new Error(`${(err as Error).message}\n--- wrangler output ---\n${tail}`, { cause: err });
  }
  return { url, stack, stop };
}

/**
 * Forwards [::1]:port to 127.0.0.1:port, byte for byte. `undefined` when the machine
 * has no IPv6 loopback (then `localhost` resolves to 127.0.0.1 anyway).
 */
async function forwardIpv6Loopback(port: number): Promise<Server | undefined> {
  const server = createServer((socket) => {
    const upstream = connect(port, "127.0.0.1");
    socket.pipe(upstream).pipe(socket);
    // A reset on either side ends both; nothing to report for a dropped dev connection.
    socket.on("error", () => upstream.destroy());
    upstream.on("error", () => socket.destroy());
  });
  return new Promise((resolve) => {
    server.once("error", () => resolve(undefined));
    server.listen(port, "::1", () => resolve(server));
  });
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}`);
    const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false, // not listening yet: keep polling until the deadline
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev did not answer ${url}/healthz within ${timeoutMs} ms`);
}

async function killGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  process.kill(-child.pid, "SIGTERM");
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
  }, 5000);
  await exited;
  clearTimeout(timer);
}
