/**
 * Requests to the worker under test. `call` goes through the real entry point
 * (`exports.default`: the worker's default export, its bindings pointed at the stand-ins);
 * `callApp` runs any app built by `createApp` in this isolate, with the test env
 * or a modified one (a dependency on a closed port, another config).
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import type { App } from "../../src/app";
import type { Bindings } from "../../src/env";

/** Origin used for requests in tests; https unless a test is about plain http. */
export const ORIGIN = "https://api.rampart.test";

/** The test env (vars from wrangler.toml + what the global setup injected). */
export const testEnv: Bindings = env;

/** A copy of the test env with some bindings replaced (undefined removes one). */
export function envWith(overrides: Readonly<Record<string, string | undefined>>): Bindings {
  const removed = new Set(Object.entries(overrides).flatMap(([key, value]) => (value === undefined ? [key] : [])));
  const copy: Record<string, unknown> = Object.fromEntries(
    Object.entries({ ...testEnv, ...overrides }).filter(([key]) => !removed.has(key)),
  );
  return copy as Bindings;
}

const absolute = (target: string): string => (/^https?:\/\//.test(target) ? target : ORIGIN + target);

/** Fetches through the worker's real entry point. */
export function call(target: string, init?: RequestInit<RequestInitCfProperties>): Promise<Response> {
  return exports.default.fetch(absolute(target), init);
}

/** Runs `app` in this isolate, as the runtime would (env + execution context). */
export async function callApp(
  app: Pick<App, "fetch">,
  target: string,
  init?: RequestInit<RequestInitCfProperties>,
  bindings: Bindings = testEnv,
): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(absolute(target), init), bindings, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}
