/**
 * Serves one bundled worker with the `workerd` binary itself (the runtime that
 * wrangler and Miniflare drive), from a generated capnp config: text bindings
 * only, one HTTP socket on loopback. Enough for the throughput row, whose routes
 * touch no R2 or other bindings.
 */
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";

const require = createRequire(import.meta.url);

/** Path of the workerd binary the installed `workerd` package ships. */
function workerdBinary(): string {
  return join(dirname(require.resolve("workerd/package.json")), "bin", "workerd");
}

const capnpString = (value: string): string => JSON.stringify(value);

export async function serveWithWorkerd(options: {
  mainPath: string;
  port: number;
  bindings: Record<string, string>;
}): Promise<() => Promise<void>> {
  // capnp's `embed` reads paths relative to the config file: put both side by side.
  const dir = mkdtempSync(join(tmpdir(), "rampart-workerd-"));
  copyFileSync(options.mainPath, join(dir, "worker.js"));
  const bindings = Object.entries(options.bindings)
    .map(([name, value]) => `(name = ${capnpString(name)}, text = ${capnpString(value)})`)
    .join(",\n    ");
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${options.port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "2025-09-01",
  bindings = [
    ${bindings}
  ],
);
`;
  const configPath = join(dir, "config.capnp");
  writeFileSync(configPath, config);
  const child = spawn(workerdBinary(), ["serve", configPath, "--experimental"], { stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  child.stdout.on("data", (d: Buffer) => output.push(d.toString()));
  child.stderr.on("data", (d: Buffer) => output.push(d.toString()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`workerd exited (${child.exitCode}) serving ${basename(options.mainPath)}:\n${output.join("")}`);
    const up = await fetch(`http://127.0.0.1:${options.port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error(`workerd did not serve ${options.mainPath} within 20 s:\n${output.join("")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return async () => {
    if (child.exitCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
