/**
 * Projects, each with the global setup (the stand-ins):
 * - `workers`: every *.test.ts runs inside workerd with the production drivers,
 *   the worker's bindings pointed at the stand-ins; the rate-limit suites run the
 *   same way in projects of their own (OWN_STANDINS below);
 * - `node`: *.node.test.ts drives the real dev server from outside (headless Chromium, smoke runs).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import "./setup/provided.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const globalSetup = ["test/setup/global-setup.ts"];

/**
 * wrangler.toml's [alias] entries as vite aliases, so the tests run the same
 * module graph as the deployed bundle (the plugin does not apply [alias] itself).
 */
function wranglerAliases(): { find: RegExp; replacement: string }[] {
  const toml = readFileSync(new URL("../wrangler.toml", import.meta.url), "utf8");
  const section = toml.split(/^\[alias\]$/m)[1]?.split(/^\[/m)[0] ?? "";
  return [...section.matchAll(/^"([^"]+)"\s*=\s*"([^"]+)"/gm)].map(([, from = "", to = ""]) => ({
    find: new RegExp(`^${from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`),
    replacement: fileURLToPath(new URL(`../${to}`, import.meta.url)),
  }));
}

/**
 * Suites that need an Upstash stand-in nobody else touches, each in a project of
 * its own: the global setup runs once per project, so each gets its own stand-ins.
 * The rate-limit suites count 429s and round trips, which a concurrent outage test
 * (the conformance suites switch the shared stand-in's backend off) would turn
 * into passes or timeouts; the outage suite switches its own stand-in off, which
 * would break everyone else's Redis.
 */
const OWN_STANDINS = {
  "workers-rate-limits": [
    "test/security/p04-rate-limits.test.ts",
    "test/security/p04-auth-presets.test.ts",
    "test/security/p12-tenant-keys.test.ts",
    "test/security/p12-org-limit-outsiders.test.ts",
  ],
  "workers-rate-limit-outage": ["test/security/p04-rate-limit-outage.test.ts"],
  // These switch their Upstash stand-in's backend off: with a shared one, every sign-in of the
  // identity suites (whose rate limits fail closed) would meet a 503 while they run.
  "workers-upstash-conformance": ["test/conformance/upstash.test.ts", "test/conformance/upstash-ratelimit.test.ts"],
} as const;

/** A project that runs its files inside workerd, the worker's bindings pointed at its stand-ins. */
function workersProject(name: string, include: readonly string[], exclude: readonly string[] = []) {
  return {
    resolve: { alias: wranglerAliases() },
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: { bindings: inject("workerVars") },
      })),
    ],
    test: {
      name,
      root,
      globalSetup,
      include: [...include],
      exclude: ["test/**/*.node.test.ts", "node_modules/**", ...exclude],
      // Sign-ins hash passwords (bcrypt, cost 10) and the suites share two cores with the
      // stand-ins: a generous per-test deadline keeps a busy machine from failing them.
      testTimeout: 30_000,
    },
  };
}

export default defineConfig({
  root,
  test: {
    projects: [
      workersProject("workers", ["test/**/*.test.ts"], Object.values(OWN_STANDINS).flat()),
      ...Object.entries(OWN_STANDINS).map(([name, files]) => workersProject(name, files)),
      {
        test: {
          name: "node",
          root,
          globalSetup,
          environment: "node",
          include: ["test/**/*.node.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
