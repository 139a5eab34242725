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

type GetConfig = (typeof import("../../env"))["getConfig"];
// The parser, once imported: from then on a request reads its configuration without a promise.
let parse: GetConfig | undefined;

function put(c: Context<AppEnv>, getConfig: GetConfig): Config {
  const config = getConfig(c.env);
  if (!config.ok) throw new ConfigUnavailableError();
  c.set("config", config.value);
  return config.value;
}

/**
 * Puts the configuration on the context, or throws {@link ConfigUnavailableError}.
 * A promise only until the parser is imported (the isolate's first request).
 */
export function requireConfig(c: Context<AppEnv>): Config | Promise<Config> {
  if (parse !== undefined) return put(c, parse);
  return import("../../env").then((env) => put(c, (parse = env.getConfig)));
}
