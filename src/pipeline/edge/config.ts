/**
 * The parsed configuration, per env object (parsed once per isolate, see env.ts).
 * An invalid configuration refuses every request with a 500; what is wrong was
 * logged once, when it was parsed, by name and never by value.
 *
 * The parser (zod and every configuration schema) is imported on the first request,
 * not at start-up: env only exists in a request, and the edge's refusals before it
 * (none today) would not need it.
 */
import type { Context } from "hono";
import type { Config } from "../../env";
import type { AppEnv } from "../../context";

/** Thrown when the configuration does not parse; answered as a bare 500. */
export class ConfigUnavailableError extends Error {
  override readonly name = "ConfigUnavailableError";
  constructor() {
    super("configuration invalid; see the config_invalid log line");
  }
}

/** Puts the configuration on the context, or throws {@link ConfigUnavailableError}. */
export async function requireConfig(c: Context<AppEnv>): Promise<Config> {
  const { getConfig } = await import("../../env");
  const config = getConfig(c.env);
  if (!config.ok) throw new ConfigUnavailableError();
  c.set("config", config.value);
  return config.value;
}
