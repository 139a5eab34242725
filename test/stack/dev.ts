/**
 * `npm run dev`: the API on http://localhost:8787 (PORT to change), with embedded
 * PGlite persisted under .data/, an embedded Upstash-protocol store and miniflare R2,
 * or the real Postgres/Redis when DATABASE_URL / REDIS_URL are set.
 * First run writes development secrets to .dev.vars.
 */
import { join } from "node:path";
import { repoRoot, startDevServer } from "./dev-server.ts";
import { SITEVERIFY_PATH } from "./turnstile/index.ts";

const port = Number(process.env.PORT ?? 8787);
const started = Date.now();
const server = await startDevServer({
  port,
  databaseUrl: process.env.DATABASE_URL || undefined,
  redisUrl: process.env.REDIS_URL || undefined,
  pgliteDataDir: join(repoRoot, ".data/pglite"),
  inheritOutput: true,
  onEmail: (m) => {
    const links = `${m.html ?? ""} ${m.text ?? ""}`.match(/https?:\/\/[^\s"'<>]+/g) ?? [];
    console.log(`\n📧 email to ${m.to.join(", ")}: ${m.subject}${links.map((l) => `\n   ${l}`).join("")}`);
  },
});

const { neon, upstash, hibp, turnstile, bank } = server.stack;
console.log(`
Rampart is running (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)
  API       ${server.url.replace("127.0.0.1", "localhost")}  (127.0.0.1 and [::1] work too)
  docs      ${server.url.replace("127.0.0.1", "localhost")}/docs
  Postgres  ${neon.backend === "pglite" ? "embedded PGlite (.data/pglite)" : "DATABASE_URL"} via the Neon gateway ${neon.url}
  Redis     ${upstash.backend === "embedded" ? "embedded store" : "REDIS_URL"} via the Upstash gateway ${upstash.url}
  email     captured at ${server.stack.resend.url}/__rampart/messages
  HIBP      range API stand-in ${hibp.url} (common passwords + rampart-breached-test-password)
  Turnstile siteverify stand-in ${turnstile.url}${SITEVERIFY_PATH} (off until TURNSTILE_SECRET_KEY is set; test secret 1x0000000000000000000000000000000AA passes)
  bank      OAuth2 stand-in ${bank.issuer} (oauth2-mock-server; approves every authorization)
Press Ctrl+C to stop.`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    server.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error("shutdown failed:", err);
        process.exit(1);
      },
    );
  });
}
