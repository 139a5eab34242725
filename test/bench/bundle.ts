/** (d) The deploy bundle as `wrangler deploy --dry-run` writes it, minified, raw and gzip. */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { offlineWranglerEnv, repoRoot } from "../stack/dev-server.ts";
import type { Row } from "./table.ts";

const GOAL_GZIP_KB = 150;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

export function measureBundle(): Promise<Row[]> {
  const outdir = join(repoRoot, ".bench/dist");
  rmSync(outdir, { recursive: true, force: true });
  execFileSync(process.execPath, [join(repoRoot, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--minify", "--outdir", outdir], {
    cwd: repoRoot,
    env: { ...process.env, ...offlineWranglerEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const code = files(outdir).filter((f) => /\.(m?js|wasm)$/.test(f));
  const raw = code.reduce((n, f) => n + statSync(f).size, 0);
  const gzip = code.reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0);
  const gzipKb = gzip / 1024;
  return Promise.resolve([
    { group: "bundle", name: "worker, minified", value: raw / 1024, unit: "KB" },
    { group: "bundle", name: "worker, minified + gzip", value: gzipKb, unit: "KB", goal: `≤ ${GOAL_GZIP_KB}`, ok: gzipKb <= GOAL_GZIP_KB },
  ]);
}
