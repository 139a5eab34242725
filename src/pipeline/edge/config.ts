/**
 * The config stage: hands every later stage the parsed configuration. Parsing
 * happens once per env object (see `getConfig`); an invalid configuration turns
 * every request into a 500 whose cause was already logged once, at parse time.
 */
import type { MiddlewareHandler } from "hono";
import { getConfig, type AppEnv } from "../../env";

/** Thrown when the configuration is invalid; the error stage answers 500 without logging again. */
export class ConfigUnavailableError extends Error {
  override readonly name = "ConfigUnavailableError";
  constructor() {
    super("configuration invalid; see the config_invalid log line");
  }
}

/**
 * Sets `c.var.config`, or refuses the request when the configuration is invalid.
 *
 * @example
 * ```ts
 * app.use(loadConfig());
 * ```
 */
export function loadConfig(): MiddlewareHandler<AppEnv> {
  return async function loadConfig(c, next) {
    const config = getConfig(c.env);
    if (!config.ok) throw new ConfigUnavailableError();
    c.set("config", config.value);
    await next();
  };
}
