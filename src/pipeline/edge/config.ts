/**
 * The parsed configuration, per env object (parsed once per isolate, see env.ts).
 * An invalid configuration refuses every request with a 500; what is wrong was
 * logged once, when it was parsed, by name and never by value.
 */
import type { Context } from "hono";
import { getConfig, type Config } from "../../env";
import type { AppEnv } from "../../context";

/** Thrown when the configuration does not parse; answered as a bare 500. */
export class ConfigUnavailableError extends Error {
  override readonly name = "ConfigUnavailableError";
  constructor() {
    super("configuration invalid; see the config_invalid log line");
  }
}

/** Puts the configuration on the context, or throws {@link ConfigUnavailableError}. */
export function requireConfig(c: Context<AppEnv>): Config {
  const config = getConfig(c.env);
  if (!config.ok) throw new ConfigUnavailableError();
  c.set("config", config.value);
  return config.value;
}
