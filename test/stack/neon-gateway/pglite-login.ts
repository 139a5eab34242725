/**
 * The login of a WebSocket session on PGlite, done by the gateway because PGlite's
 * one backend is already "logged in" as the bootstrap superuser: check the role as
 * Postgres would (trust authentication), apply the startup parameters, SET ROLE, and
 * greet the client with AuthenticationOk, ParameterStatus, BackendKeyData and
 * ReadyForQuery. The caller holds the backend lock.
 */
import { randomInt } from "node:crypto";
import { loginError } from "./errors.ts";
import type { PgliteContext, WsOwner } from "./pglite-context.ts";
import { quoteIdent } from "./result.ts";
import { authenticationOk, backendKeyData, parameterStatus, readyForQuery } from "./wire.ts";

/** Parameters a real server reports at login (GUC_REPORT), besides is_superuser and session_authorization. */
const REPORTED = [
  "application_name",
  "client_encoding",
  "DateStyle",
  "default_transaction_read_only",
  "in_hot_standby",
  "integer_datetimes",
  "IntervalStyle",
  "server_encoding",
  "server_version",
  "standard_conforming_strings",
  "TimeZone",
];

/** Startup keys that are not settings. */
const NOT_SETTINGS = new Set(["user", "database", "options", "replication"]);

/** Settings from the startup `options` parameter: `-c name=value` and `--name=value`. */
function optionSettings(options: string | undefined): [string, string][] {
  const tokens = (options ?? "").split(/\s+/).filter(Boolean);
  const out: [string, string][] = [];
  for (let i = 0; i < tokens.length; i++) {
    let token = tokens[i] as string;
    if (token === "-c") token = tokens[++i] ?? "";
    else if (token.startsWith("-c")) token = token.slice(2);
    else if (token.startsWith("--")) token = token.slice(2);
    else continue;
    const eq = token.indexOf("=");
    if (eq > 0) out.push([token.slice(0, eq).replaceAll("-", "_"), token.slice(eq + 1)]);
  }
  return out;
}

/**
 * Logs `params.user` in on the shared backend and returns the session's owner record
 * and the greeting to send. Throws a FATAL GatewayError (28000, 3D000, 42704 …) on refusal;
 * the backend is then back at baseline.
 */
export async function loginSession(ctx: PgliteContext, owner: WsOwner, params: Map<string, string>, user: string): Promise<Buffer> {
  const database = params.get("database") || user;
  await ctx.enter(null);
  try {
    const info = await ctx.checkLogin(user, database);
    const settings: [string, string][] = [
      ...[...params].filter(([key]) => !NOT_SETTINGS.has(key)),
      ...optionSettings(params.get("options")),
    ];
    for (const [name, value] of settings) await ctx.db.query("select set_config($1, $2, false)", [name, value]);
    const { rows } = await ctx.db.query<{ name: string; setting: string }>(
      "select name, setting from pg_settings where name = any($1::text[])",
      [REPORTED],
    );
    if (owner.role) await ctx.db.exec(`SET ROLE ${quoteIdent(owner.role)}`);
    ctx.adopt(owner);
    return Buffer.concat([
      authenticationOk(),
      ...rows.map((r) => parameterStatus(r.name, r.setting)),
      parameterStatus("is_superuser", info.superuser ? "on" : "off"),
      parameterStatus("session_authorization", user),
      backendKeyData(randomInt(1, 2 ** 31 - 1), randomInt(1, 2 ** 31 - 1)),
      readyForQuery("I"),
    ]);
  } catch (err) {
    // Startup settings already applied must not stay behind for the next client.
    await ctx.resetBaseline();
    throw err;
  }
}

/** The user of a StartupMessage; a real server refuses a startup packet without one. */
export function startupUser(params: Map<string, string>): string {
  const user = params.get("user");
  if (!user) throw loginError("28000", "no PostgreSQL user name specified in startup packet");
  return user;
}
