/** Builds a worker exactly as `wrangler deploy` would, without deploying it. */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { offlineWranglerEnv, repoRoot } from "../stack/dev-server.ts";

export interface BuiltWorker {
  /** The bundled entry module. */
  readonly mainPath: string;
  /** What wrangler printed (it reports the upload sizes). */
  readonly output: string;
}

/** Options of {@link buildWorker}; `outdir` receives the bundle, the rest is optional. */
export interface BuildOptions {
  readonly outdir: string;
  /** Another wrangler config (the benchmark's worker); default: the app's wrangler.toml. */
  readonly config?: string;
  /** Where esbuild's metafile goes. */
  readonly metafile?: string;
  /** Also write the upload itself (multipart: metadata and modules), as `wrangler check startup --worker` reads it. */
  readonly outfile?: string;
}

/** Runs `wrangler deploy --dry-run --minify` and returns the bundle's path and wrangler's report. */
export function buildWorker(options: BuildOptions): BuiltWorker {
  rmSync(options.outdir, { recursive: true, force: true });
  const args = [join(repoRoot, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--minify", "--outdir", options.outdir];
  if (options.config) args.push("--config", options.config);
  if (options.metafile) args.push("--metafile", options.metafile);
  if (options.outfile) args.push("--outfile", options.outfile);
  const output = execFileSync(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, ...offlineWranglerEnv },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  // wrangler names the bundle after the entry file (index.js, worker.js, ...).
  const main = readdirSync(options.outdir).find((f) => f.endsWith(".js"));
  if (!main) throw new Error(`wrangler wrote no .js bundle to ${options.outdir}`);
  return { mainPath: join(options.outdir, main), output };
}

/** The `[vars]` table of a wrangler config (flat `KEY = "value"` lines), which a bundle does not carry. */
export function wranglerVars(config = join(repoRoot, "wrangler.toml")): Record<string, string> {
  const section =
    readFileSync(config, "utf8")
      .split(/^\[vars\]$/m)[1]
      ?.split(/^\[/m)[0] ?? "";
  return Object.fromEntries([...section.matchAll(/^([A-Z][A-Z0-9_]*)\s*=\s*"([^"]*)"/gm)].map(([, k = "", v = ""]) => [k, v]));
}
