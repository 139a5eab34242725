/**
 * Serves one bundled worker with the `workerd` binary itself (the runtime that
 * wrangler and Miniflare drive), from a generated capnp config: text bindings
 * only, one HTTP socket on loopback. Enough for the throughput row, whose routes
 * touch no R2 or other bindings, for the start-up row, which puts an entry
 * module of its own in front of the bundle, and for the login CPU row, whose worker
 * calls the stand-ins on loopback (`loopbackOutbound`: workerd's default outbound
 * reaches public addresses only). `cpus` runs it under `taskset -c` (cpu-pin.ts); `wrapper`
 * under another command (valgrind, for the instruction counts of instructions.ts).
 */
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { onCpus } from "./cpu-pin.ts";

const require = createRequire(import.meta.url);

/** Path of the workerd binary the installed `workerd` package ships. */
function workerdBinary(): string {
  return join(dirname(require.resolve("workerd/package.json")), "bin", "workerd");
}

const capnpString = (value: string): string => JSON.stringify(value);

/** A running workerd; `pid` is workerd's own (for /proc). */
export interface WorkerdServer {
  readonly pid: number;
  stop(): Promise<void>;
}

/** Serves `mainPath` on loopback `port` until stopped; resolves once `/healthz` answers 2xx. */
export async function serveWithWorkerd(options: {
  mainPath: string;
  port: number;
  bindings: Record<string, string>;
  /** A `taskset -c` CPU list for workerd and all its threads; unset → not pinned. */
  cpus?: string | undefined;
  /** Source of a main module served in front of the bundle, which it can `import("./worker.js")`. */
  entry?: string | undefined;
  /** Compatibility flags of the worker; default none, as in wrangler.toml. */
  compatibilityFlags?: readonly string[] | undefined;
  /** Let the worker's fetch() reach loopback addresses too (the local stand-ins); default public only. */
  loopbackOutbound?: boolean | undefined;
  /** V8 flags for the isolate (the config's `v8Flags`); default none. */
  v8Flags?: readonly string[] | undefined;
  /** A command workerd runs under (valgrind: instructions.ts), given workerd's path and arguments; unset → none. */
  wrapper?: readonly string[] | undefined;
}): Promise<WorkerdServer> {
  // capnp's `embed` reads paths relative to the config file: put both side by side.
  const dir = mkdtempSync(join(tmpdir(), "rampart-workerd-"));
  copyFileSync(options.mainPath, join(dir, "worker.js"));
  if (options.entry !== undefined) writeFileSync(join(dir, "entry.js"), options.entry);
  const modules = [...(options.entry === undefined ? [] : ["entry.js"]), "worker.js"]
    .map((name) => `(name = ${capnpString(name)}, esModule = embed ${capnpString(name)})`)
    .join(", ");
  const flags = (options.compatibilityFlags ?? []).map(capnpString).join(", ");
  const bindings = Object.entries(options.bindings)
    .map(([name, value]) => `(name = ${capnpString(name)}, text = ${capnpString(value)})`)
    .join(",\n    ");
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker)${
    options.loopbackOutbound === true ? `, (name = "internet", network = (allow = ["public", "local"]))` : ""
  } ],
  sockets = [ (name = "http", address = "127.0.0.1:${options.port}", http = (), service = "main") ],
  v8Flags = [ ${(options.v8Flags ?? []).map(capnpString).join(", ")} ],
);
const worker :Workerd.Worker = (
  modules = [ ${modules} ],
  compatibilityDate = "2025-09-01",
  compatibilityFlags = [ ${flags} ],
  bindings = [
    ${bindings}
  ],
);
`;
  const configPath = join(dir, "config.capnp");
  writeFileSync(configPath, config);
  // taskset execs workerd in its own place, so the child's pid (and the SIGTERM below) is workerd's.
  const wrapper = options.wrapper ?? [];
  const serve = [workerdBinary(), "serve", configPath, "--experimental"];
  const [file, args] = onCpus(options.cpus, wrapper[0] ?? workerdBinary(), [
    ...wrapper.slice(1),
    ...(wrapper.length > 0 ? serve : serve.slice(1)),
  ]);
  const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  child.stdout.on("data", (d: Buffer) => output.push(d.toString()));
  child.stderr.on("data", (d: Buffer) => output.push(d.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Under a wrapper (valgrind) the runtime starts many times slower.
  const deadline = Date.now() + (wrapper.length > 0 ? 120_000 : 20_000);
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`workerd exited (${child.exitCode}) serving ${basename(options.mainPath)}:\n${output.join("")}`);
    const up = await fetch(`http://127.0.0.1:${options.port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`workerd did not serve ${options.mainPath} in time:\n${output.join("")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (child.pid === undefined) throw new Error("workerd started without a pid");
  return { pid: child.pid, stop };
}
