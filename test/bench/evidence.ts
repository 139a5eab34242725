/**
 * `npm run bench -- evidence` (P14): evidence files' uploads and downloads against R2
 * alone, in the same run, and the cost of a signed URL.
 * - **throughput**: a 25 MB PDF uploaded through the app (declared with
 *   `POST …/evidence/{id}/files`, then `PUT` to its signed URL: signature, streamed
 *   checks, R2, the completing transaction), against the same bytes `put` straight into
 *   R2 by the bench worker (`PUT /evidence/direct/…`: the request's own stream, no
 *   checks), alternating, median of the rounds; then each downloaded (`GET` of a download
 *   URL against `GET /evidence/direct/…`). Goal ≥ 0.8× for both. Both run under
 *   `wrangler dev` (miniflare's R2 on disk, one Node proxy in front): absolute figures
 *   are this machine's, the ratio is the app's own cost.
 * - **memory of a 100 MB upload**: the resident memory of the `workerd` process serving
 *   the request (found from the server's port), sampled every 10 ms while the upload
 *   runs; the peak's growth over the level before, for the app and for the direct put.
 *   A file buffered whole would add ≥ 100 MB; streamed, the growth is the stream's
 *   chunks in flight.
 * - **sign + verify**: one download URL signed and verified in workerd (bench worker,
 *   `GET /evidence/sign`), in blocks of 1000 between fences; goal ≤ 50 µs.
 * The app here is a `wrangler dev` of its own, whose per-file limit is raised to allow
 * the 100 MB file (the default plan allows 25 MB).
 */
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { startDevServer } from "../stack/dev-server.ts";
import type { Stack } from "../stack/launcher.ts";
import { logIn, send, verifiedAccount } from "./identity-accounts.ts";
import { spreadLabel, spreadOf } from "./median.ts";
import type { Row } from "./table.ts";

const GROUP = "evidence";
const MB = 1024 * 1024;
const ROUND_BYTES = 25 * MB;
const BIG_BYTES = 100 * MB;
const ROUNDS = 7;

/** A PDF of `size` bytes (its magic, then random bytes). */
function pdf(size: number): Buffer {
  const bytes = randomBytes(size);
  bytes.write("%PDF-1.7\n", 0, "latin1");
  return bytes;
}

async function expectOk(res: Response, status: number, what: string): Promise<unknown> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`${what}: HTTP ${res.status}, expected ${status}: ${text.slice(0, 300)}`);
  return text === "" ? undefined : (JSON.parse(text) as unknown);
}

// ── The workerd process behind a port (Linux /proc) ───────────────────────────────

const pids = (): number[] =>
  readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
const read = (path: string): string => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    // The process ended meanwhile.
    return "";
  }
};

/** Inodes of the sockets listening on `port` (IPv4 and IPv6). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    // No IPv6 table on this machine: only the other one counts.
    for (const line of read(table).split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1] ?? "";
      if (cols[3] === "0A" && parseInt(local.slice(local.lastIndexOf(":") + 1), 16) === port && cols[9]) inodes.add(cols[9]);
    }
  }
  return inodes;
}

/** The `workerd` processes that serve `port`: the listener and its descendants. */
function workerdOf(port: number): number[] {
  const inodes = listeningInodes(port);
  const listeners = pids().filter((pid) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).some((fd) => {
        const link = (() => {
          try {
            return readlinkSync(`/proc/${pid}/fd/${fd}`);
          } catch {
            // The descriptor closed meanwhile.
            return "";
          }
        })();
        const m = /^socket:\[(\d+)\]$/.exec(link);
        return m !== null && inodes.has(m[1] ?? "");
      });
    } catch {
      // Not ours to read, or gone.
      return false;
    }
  });
  const parent = new Map(pids().map((pid) => [pid, Number(read(`/proc/${pid}/stat`).split(") ")[1]?.split(" ")[1] ?? 0)]));
  const family = new Set(listeners);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of parent) if (family.has(ppid) && !family.has(pid)) grew = family.add(pid).size > 0;
  }
  return [...family].filter((pid) => read(`/proc/${pid}/comm`).trim() === "workerd");
}

/** Resident memory of `pid` in MB. */
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(read(`/proc/${pid}/status`))?.[1] ?? 0) / 1024;

/** Runs `work` while sampling the processes' memory; the peak's growth over the level before, in MB. */
async function peakGrowth(processes: readonly number[], work: () => Promise<void>): Promise<number> {
  const total = (): number => processes.reduce((sum, pid) => sum + rssMb(pid), 0);
  const before = total();
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, total());
  }, 10);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, total()) - before;
}

const portOf = (url: string): number => Number(new URL(url).port);

// ── Requests ───────────────────────────────────────────────────────────────────────

interface AppSide {
  readonly url: string;
  readonly token: string;
  readonly org: string;
  readonly record: string;
}

/** Declares `bytes` as a new version; its upload URL and version id (not timed). */
async function declared(app: AppSide, bytes: Buffer): Promise<{ url: string; id: string }> {
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const body = { name: "bench.pdf", size: bytes.length, media_type: "application/pdf", sha256 };
  const res = await send(`${app.url}/v1/orgs/${app.org}/evidence/${app.record}/files`, body, { token: app.token });
  const { upload } = (await expectOk(res, 201, "declare")) as { upload: { url: string; file: { id: string } } };
  // The URL names the API's origin as the worker sees it; the bench talks to the dev server.
  const signed = new URL(upload.url);
  return { url: `${app.url}${signed.pathname}${signed.search}`, id: upload.file.id };
}

/** Seconds to send `bytes` with PUT to `url` (200 expected). */
async function timedPut(url: string, bytes: Buffer): Promise<number> {
  const started = performance.now();
  // A Buffer is a Uint8Array: undici sends it as is, with its Content-Length (the DOM types do not list it).
  const res = await fetch(url, { method: "PUT", body: bytes as unknown as BodyInit, headers: { "content-type": "application/pdf" } });
  await expectOk(res, 200, `PUT ${new URL(url).pathname}`);
  return (performance.now() - started) / 1000;
}

/** Seconds to GET `url` whole (`size` bytes expected). */
async function timedGet(url: string, size: number): Promise<number> {
  const started = performance.now();
  const res = await fetch(url);
  const body = await res.arrayBuffer();
  if (res.status !== 200 || body.byteLength !== size)
    throw new Error(`GET ${new URL(url).pathname}: HTTP ${res.status}, ${body.byteLength} bytes`);
  return (performance.now() - started) / 1000;
}

async function downloadUrl(app: AppSide, version: string): Promise<string> {
  const res = await fetch(`${app.url}/v1/orgs/${app.org}/evidence/${app.record}/download-url?version=${version}`, {
    headers: { authorization: `Bearer ${app.token}` },
  });
  const { url } = (await expectOk(res, 200, "download-url")) as { url: string };
  const signed = new URL(url);
  return `${app.url}${signed.pathname}${signed.search}`;
}

const mbPerS = (bytes: number, seconds: number): number => bytes / MB / seconds;

/**
 * One upload and download of each side; their MB/s. Sides alternate which goes first
 * (object literals evaluate in order), so neither always runs on a warmer machine.
 */
async function round(app: AppSide, benchUrl: string, bytes: Buffer, n: number) {
  const { url, id } = await declared(app, bytes);
  const direct = `${benchUrl}/evidence/direct/round-${n}-${crypto.randomUUID()}`;
  const appFirst = n % 2 === 0;
  const up = appFirst
    ? { app: await timedPut(url, bytes), direct: await timedPut(direct, bytes) }
    : { direct: await timedPut(direct, bytes), app: await timedPut(url, bytes) };
  const signed = await downloadUrl(app, id);
  const down = appFirst
    ? { app: await timedGet(signed, bytes.length), direct: await timedGet(direct, bytes.length) }
    : { direct: await timedGet(direct, bytes.length), app: await timedGet(signed, bytes.length) };
  await fetch(direct, { method: "DELETE" });
  await fetch(`${app.url}/v1/orgs/${app.org}/evidence/${app.record}/files/${id}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${app.token}` },
  });
  return {
    upApp: mbPerS(bytes.length, up.app),
    upDirect: mbPerS(bytes.length, up.direct),
    downApp: mbPerS(bytes.length, down.app),
    downDirect: mbPerS(bytes.length, down.direct),
  };
}

/** Sign + verify in workerd: µs per URL, from blocks of N between fences. */
async function signVerifyMicros(benchUrl: string): Promise<number[]> {
  const n = 1000;
  const res = await fetch(`${benchUrl}/evidence/sign?n=${n}&blocks=12`);
  const body = (await expectOk(res, 200, "sign")) as { refused: number; signMs: number[]; emptyMs: number[] };
  if (body.refused !== 0) throw new Error(`sign+verify: ${body.refused} URLs refused`);
  return body.signMs.map((ms, i) => ((ms - (body.emptyMs[i] ?? 0)) / n) * 1000);
}

/**
 * The evidence group's rows.
 *
 * @example
 * ```ts
 * rows.push(...(await measureEvidence(bench.url, stack)));
 * ```
 */
export async function measureEvidence(benchUrl: string, stack: Stack): Promise<Row[]> {
  const server = await startDevServer({
    stack,
    extraVars: { EVIDENCE_MAX_FILE_BYTES: String(128 * MB) },
  });
  try {
    const account = await verifiedAccount(server.url, stack, "evidence");
    const { accessToken: token } = await logIn(server.url, account);
    const { id: org } = (await expectOk(await send(`${server.url}/v1/orgs`, { name: "Evidence bench" }, { token }), 201, "org")) as {
      id: string;
    };
    const { id: record } = (await expectOk(
      await send(`${server.url}/v1/orgs/${org}/evidence`, { title: "Bench evidence" }, { token }),
      201,
      "record",
    )) as {
      id: string;
    };
    const app: AppSide = { url: server.url, token, org, record };

    // Warm-up: both sides' first request (module load, key import, R2 open).
    await round(app, benchUrl, pdf(MB), 0);
    // What an upload costs the app whatever its size (signature, limits, the completing transaction):
    // a 64 KiB file's time through the app minus R2 alone's.
    const tiny = pdf(64 * 1024);
    const fixedMs: number[] = [];
    for (let n = 0; n < ROUNDS; n++) {
      const { url } = await declared(app, tiny);
      const direct = `${benchUrl}/evidence/direct/tiny-${crypto.randomUUID()}`;
      fixedMs.push(((await timedPut(url, tiny)) - (await timedPut(direct, tiny))) * 1000);
      await fetch(direct, { method: "DELETE" });
    }
    const bytes = pdf(ROUND_BYTES);
    const rounds: Awaited<ReturnType<typeof round>>[] = [];
    for (let n = 0; n < ROUNDS; n++) rounds.push(await round(app, benchUrl, bytes, n));
    const median = (pick: (r: (typeof rounds)[number]) => number): number => spreadOf(rounds.map(pick)).median;
    const upRatios = rounds.map((r) => r.upApp / r.upDirect);
    const downRatios = rounds.map((r) => r.downApp / r.downDirect);

    // The memory of the process serving an upload while it streams, for a 25 MB and a 100 MB file:
    // buffered, it would grow with the file; streamed, it stays at the chunks in flight.
    const appProcesses = workerdOf(portOf(server.url));
    const benchProcesses = workerdOf(portOf(benchUrl));
    if (appProcesses.length === 0 || benchProcesses.length === 0)
      throw new Error("evidence bench: no workerd process found behind the dev servers");
    const memory = async (size: number) => {
      const file = pdf(size);
      const { url, id } = await declared(app, file);
      let appSeconds = 0;
      const appGrowth = await peakGrowth(appProcesses, async () => {
        appSeconds = await timedPut(url, file);
      });
      const direct = `${benchUrl}/evidence/direct/memory-${crypto.randomUUID()}`;
      let directSeconds = 0;
      const directGrowth = await peakGrowth(benchProcesses, async () => {
        directSeconds = await timedPut(direct, file);
      });
      await fetch(direct, { method: "DELETE" });
      await fetch(`${app.url}/v1/orgs/${org}/evidence/${record}/files/${id}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${token}` },
      });
      return { appGrowth, directGrowth, appRate: mbPerS(size, appSeconds), directRate: mbPerS(size, directSeconds) };
    };
    const small = await memory(ROUND_BYTES);
    const large = await memory(BIG_BYTES);

    const micros = await signVerifyMicros(benchUrl);
    const upRatio = spreadOf(upRatios).median;
    const downRatio = spreadOf(downRatios).median;
    const sign = spreadOf(micros).median;
    return [
      {
        group: GROUP,
        name: `upload 25 MB through the app (PUT /files: checked, streamed), ${spreadLabel(
          rounds.map((r) => r.upApp),
          "MB/s",
        )}`,
        value: median((r) => r.upApp),
        unit: "MB/s",
      },
      {
        group: GROUP,
        name: `upload 25 MB, R2 put alone (bench worker), ${spreadLabel(
          rounds.map((r) => r.upDirect),
          "MB/s",
        )}`,
        value: median((r) => r.upDirect),
        unit: "MB/s",
      },
      {
        group: GROUP,
        name: `upload: app / R2 alone, ${spreadLabel(upRatios, "×", 2)}`,
        value: upRatio,
        unit: "×",
        goal: "≥ 0.8×",
        ok: upRatio >= 0.8,
      },
      {
        group: GROUP,
        name: `  an upload's fixed cost in the app (64 KiB file: app − R2 alone), ${spreadLabel(fixedMs, "ms")}`,
        value: spreadOf(fixedMs).median,
        unit: "ms",
      },
      {
        group: GROUP,
        name: `download 25 MB through the app (GET /files), ${spreadLabel(
          rounds.map((r) => r.downApp),
          "MB/s",
        )}`,
        value: median((r) => r.downApp),
        unit: "MB/s",
      },
      {
        group: GROUP,
        name: `download 25 MB, R2 get alone (bench worker), ${spreadLabel(
          rounds.map((r) => r.downDirect),
          "MB/s",
        )}`,
        value: median((r) => r.downDirect),
        unit: "MB/s",
      },
      {
        group: GROUP,
        name: `download: app / R2 alone, ${spreadLabel(downRatios, "×", 2)}`,
        value: downRatio,
        unit: "×",
        goal: "≥ 0.8×",
        ok: downRatio >= 0.8,
      },
      {
        group: GROUP,
        name: `workerd memory growth, 25 MB upload through the app (${small.appRate.toFixed(1)} MB/s); R2 put alone ${small.directGrowth.toFixed(1)} MB`,
        value: small.appGrowth,
        unit: "MB",
      },
      {
        group: GROUP,
        name: `workerd memory growth, 100 MB upload through the app (${large.appRate.toFixed(1)} MB/s)`,
        value: large.appGrowth,
        unit: "MB",
        goal: "< 100 MB (not buffered)",
        ok: large.appGrowth < 100,
      },
      {
        group: GROUP,
        name: `  the same, R2 put alone (${large.directRate.toFixed(1)} MB/s; the dev server's own R2 and proxy buffers, and GC lag, for reference)`,
        value: large.directGrowth,
        unit: "MB",
      },
      {
        group: GROUP,
        name: `sign + verify a download URL in workerd, ${spreadLabel(micros, "µs")}`,
        value: sign,
        unit: "µs",
        goal: "≤ 50 µs",
        ok: sign <= 50,
      },
    ];
  } finally {
    await server.stop();
  }
}
