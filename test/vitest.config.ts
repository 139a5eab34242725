/**
 * Two projects share one global setup (the stand-ins):
 * - `workers`: every *.test.ts runs inside workerd with the production drivers,
 *   the worker's bindings pointed at the stand-ins;
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

export default defineConfig({
  root,
  test: {
    projects: [
      {
        resolve: { alias: wranglerAliases() },
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: inject("workerVars") },
          })),
        ],
        test: {
          name: "workers",
          root,
          globalSetup,
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.node.test.ts", "node_modules/**"],
        },
      },
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
