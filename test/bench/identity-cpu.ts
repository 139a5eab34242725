/**
 * (g) Identity CPU in workerd, judged like the start-up row on the isolate thread's
 * CPU as Linux accounts it (thread-cpu.ts): the bench worker's deploy bundle, which
 * runs the real app, is served by the `workerd` binary (bound to the stand-ins on
 * loopback), and each round takes a snapshot after each of
 * - a trivial request (the bench worker's bare Hono /healthz), twice: the second is
 *   the baseline every request pays (HTTP, routing, the response);
 * - a successful login of a verified account at the default cost (10), goal ≤ 150 ms,
 *   through `/identity/app`, which answers only after the login's after-response
 *   work (security event, known address, limiter bookkeeping): all of it is the
 *   login's CPU; the route also says it made exactly one bcrypt computation;
 * - one bare `bcrypt.compare` at cost 10, for reference;
 * - `verifyAccessToken`, JWT_N times twice (the route's warm-up, then one fenced block),
 *   for reference beside the fenced wall-time row (identity.ts).
 * The busiest thread during the login is the isolate's; each figure is that thread's
 * CPU over its request minus over the trivial one. workerd's own clock stands still
 * while a request computes, so it cannot time this; a thread waiting for a core on
 * the loaded machine is not billed for the wait. Each account logs in at most 5
 * times, each time from a new address, so no login limit is met.
 */
import { join } from "node:path";
import { freePort, repoRoot } from "../stack/dev-server.ts";
import type { Stack } from "../stack/launcher.ts";
import { ensureDevVars } from "../stack/secrets.ts";
import { buildWorker, wranglerVars } from "./build.ts";
import { send, verifiedAccount, type Account } from "./identity-accounts.ts";
import { spreadLabel, spreadOf } from "./median.ts";
import type { Row } from "./table.ts";
import { cpuBetween, threadCpu, type ThreadCpu } from "./thread-cpu.ts";
import { serveWithWorkerd } from "./workerd.ts";

const RUNS = 12;
const GOAL_MS = 150;
const LOGINS_PER_ACCOUNT = 5;
/** Verifications per JWT request: the route's warm-up pass and one block, JWT_N each. */
const JWT_N = 500;

/** Lets workerd's helper threads (GC, compilers) finish what a request started before the next snapshot. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 100));

/** One round's figures, each minus the trivial request, on the isolate thread. */
interface Round {
  readonly loginMs: number;
  readonly compareMs: number;
  readonly jwtUs: number;
}

/** The CPU rows, the login's and the JWT's: RUNS rounds in one workerd, after one warm-up round. */
export async function measureIdentityCpu(appUrl: string, stack: Stack): Promise<{ login: Row[]; jwt: Row }> {
  const config = join(repoRoot, "test/bench/wrangler.toml");
  const bench = buildWorker({ outdir: join(repoRoot, ".bench/identity/bench"), config });
  const accounts: Account[] = [];
  for (let i = 0; i < Math.ceil((RUNS + 1) / LOGINS_PER_ACCOUNT); i++) accounts.push(await verifiedAccount(appUrl, stack, "cpu"));
  const { vars: secrets } = await ensureDevVars(join(repoRoot, ".dev.vars"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const bindings = { ...wranglerVars(config), ...secrets, ...stack.workerVars(), APP_ENV: "development", LOCAL_DEV_ORIGIN: url };
  const server = await serveWithWorkerd({ mainPath: bench.mainPath, port, bindings, loopbackOutbound: true });
  try {
    /** Sends, checks the answer, settles, snapshots. */
    const request = async (path: string, body: unknown, check: (res: Response, text: string) => string | undefined): Promise<ThreadCpu> => {
      const res = await send(`${url}${path}`, body);
      const text = await res.text();
      const problem = check(res, text);
      if (problem !== undefined) throw new Error(`identity CPU, ${path}: ${problem}`);
      await settle();
      return threadCpu(server.pid);
    };
    const ok = (res: Response, text: string): string | undefined => (res.ok ? undefined : `HTTP ${res.status} ${text.slice(0, 200)}`);
    let used = 0;
    const logIn = (): Promise<ThreadCpu> => {
      const account = accounts[Math.floor(used++ / LOGINS_PER_ACCOUNT)];
      if (account === undefined) throw new Error("identity CPU: more logins than accounts allow");
      return request("/identity/app/v1/auth/login", account, (res, text) => {
        if (!res.ok) return `HTTP ${res.status} ${text.slice(0, 200)}`;
        const calls = res.headers.get("x-bench-bcrypt");
        return calls === "1+0" ? undefined : `bcrypt calls ${calls ?? "(not counted)"}, expected exactly one compare`;
      });
    };
    const jwtOk = (res: Response, text: string): string | undefined => {
      if (!res.ok) return `HTTP ${res.status} ${text.slice(0, 200)}`;
      return (JSON.parse(text) as { refused?: unknown }).refused === 0 ? undefined : `verifications refused a valid token: ${text}`;
    };
    const round = async (): Promise<Round> => {
      const s0 = await request("/healthz", undefined, ok); // a settled starting point
      const s1 = await request("/healthz", undefined, ok);
      const s2 = await logIn();
      const s3 = await request("/identity/bcrypt?n=1", undefined, ok);
      const s4 = await request(`/identity/jwt?n=${JWT_N}&blocks=1`, undefined, jwtOk);
      const trivial = cpuBetween(s0, s1);
      const loginCpu = cpuBetween(s1, s2);
      const [tid, ms] = [...loginCpu].reduce((a, b) => (b[1] > a[1] ? b : a));
      const base = trivial.get(tid) ?? 0;
      const on = (from: ThreadCpu, to: ThreadCpu): number => (cpuBetween(from, to).get(tid) ?? 0) - base;
      return { loginMs: ms - base, compareMs: on(s2, s3), jwtUs: (on(s3, s4) * 1000) / (2 * JWT_N) };
    };
    await round(); // warm-up: JIT, key imports, the limiters' scripts, first connections
    const rounds: Round[] = [];
    for (let i = 0; i < RUNS; i++) rounds.push(await round());
    const logins = rounds.map((r) => r.loginMs);
    const compares = rounds.map((r) => r.compareMs);
    const rest = rounds.map((r) => r.loginMs - r.compareMs);
    const jwt = rounds.map((r) => r.jwtUs);
    const { median } = spreadOf(logins);
    const group = "identity";
    const loginRows: Row[] = [
      {
        group,
        name: `login CPU at cost 10, isolate thread in workerd (${spreadLabel(logins, "ms")})`,
        value: median,
        unit: "ms",
        goal: `≤ ${GOAL_MS}`,
        ok: median <= GOAL_MS,
      },
      {
        group,
        name: `one bare bcrypt.compare at cost 10, the same thread (${spreadLabel(compares, "ms")})`,
        value: spreadOf(compares).median,
        unit: "ms",
      },
      {
        group,
        name: `login minus the bare compare, paired by round (${spreadLabel(rest, "ms")})`,
        value: spreadOf(rest).median,
        unit: "ms",
      },
    ];
    return {
      login: loginRows,
      jwt: {
        group,
        name: `verifyAccessToken, isolate thread CPU per verification in workerd (${spreadLabel(jwt, "µs")})`,
        value: spreadOf(jwt).median,
        unit: "µs",
      },
    };
  } finally {
    await server.stop();
  }
}
