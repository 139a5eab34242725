/**
 * The parsed configuration, per env object (parsed once per isolate, see env.ts).
 * An invalid configuration refuses every request with a 500; what is wrong was
 * logged once, when it was parsed, by name and never by value.
 *
 * The parser (zod and every configuration schema) is imported on the first request,
 * not at start-up: env only exists in a request, and the edge's refusals before it
 * (none today) would not need it.
 */
import type { Bindings, Config } from "../../env";

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

function parsed(env: Bindings, getConfig: GetConfig): Config {
  const config = getConfig(env);
  if (!config.ok) throw new ConfigUnavailableError();
  return config.value;
}

/**
 * The configuration of the worker's `env`, or throws {@link ConfigUnavailableError}.
 * A promise only until the parser is imported (the isolate's first request).
 */
export function requireConfig(env: Bindings): Config | Promise<Config> {
  if (parse !== undefined) return parsed(env, parse);
  return import("../../env").then((module) => parsed(env, (parse = module.getConfig)));
}
