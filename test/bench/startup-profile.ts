/**
 * The start-up profile of `wrangler check startup --worker`: wrangler loads the
 * upload into workerd (Miniflare) behind an entry module that `import()`s it on
 * the first request, runs V8's CPU profiler over that request and writes the
 * `.cpuprofile`, read here with cpuprofile.ts. workerd compiles the modules
 * when it loads the worker, before the profiler starts, so the profile holds the
 * top-level evaluation.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { offlineWranglerEnv, repoRoot } from "../stack/dev-server.ts";
import { profileCpu, type CpuProfile, type ProfileCpu } from "./cpuprofile.ts";

/** Profiles the start-up of `upload` (a `wrangler deploy --outfile` file) once; the profile is kept at `outfile`. */
export function profileStartup(upload: string, outfile: string): ProfileCpu {
  execFileSync(
    process.execPath,
    [join(repoRoot, "node_modules/wrangler/bin/wrangler.js"), "check", "startup", "--worker", upload, "--outfile", outfile],
    { cwd: repoRoot, env: { ...process.env, ...offlineWranglerEnv }, stdio: ["ignore", "pipe", "pipe"] },
  );
  return profileCpu(JSON.parse(readFileSync(outfile, "utf8")) as CpuProfile);
}
