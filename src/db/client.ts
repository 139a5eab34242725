/**
 * Neon clients. The one place that applies NEON_HTTP_ENDPOINT (HTTP `/sql`) and
 * NEON_WS_PROXY (WebSocket mode) to the driver. Nothing here knows what answers
 * at those URLs; when they are unset the driver's own Neon defaults apply.
 *
 * The driver keeps both settings in global `neonConfig`. So that two configs in
 * one isolate (tests) cannot swap each other's endpoint between a request's
 * `await`s, the global settings are functions that look the endpoint up by the
 * connection string's host and port.
 *
 * The driver is loaded on first use (a dynamic import, which the bundler turns into
 * a module evaluated on demand): a request that touches no database (health,
 * docs, a refused one) never pays for its evaluation, and neither does start-up.
 */
import type { NeonQueryFunction, Pool } from "@neondatabase/serverless";
import type { Config } from "../env";

/** The database part of the config. */
export type DatabaseConfig = Config["database"];

type Driver = typeof import("@neondatabase/serverless");

/** A round trip abandoned after this many milliseconds when the config names no deadline. */
export const DEFAULT_TIMEOUT_MS = 5_000;
type Endpoint = Exclude<Driver["neonConfig"]["fetchEndpoint"], string>;
type Proxy = Exclude<Driver["neonConfig"]["wsProxy"], string>;

const endpoints = new Map<string, string>();
/** Deadline of a round trip, by the URL the driver fetches (a stand-in's tagged endpoint, or Neon's). */
const deadlines = new Map<string, number>();
/** The deadline when none was registered for a URL (Neon's own endpoint, which the driver derives). */
let defaultDeadline = DEFAULT_TIMEOUT_MS;
const proxies = new Map<string, string>();
const keyOf = (host: string, port: number | string): string => `${host}:${String(port)}`;

/** Points the driver's global settings at the per-host maps above, keeping its defaults for other hosts. */
function configure(driver: Driver): Driver {
  const { neonConfig } = driver;
  const driverEndpoint = neonConfig.fetchEndpoint;
  const driverProxy = neonConfig.wsProxy;
  const resolveEndpoint: Endpoint = (host, port, options) =>
    endpoints.get(keyOf(host, port)) ?? (typeof driverEndpoint === "function" ? driverEndpoint(host, port, options) : driverEndpoint);
  const resolveProxy: Proxy = (host, port) => {
    const proxy = proxies.get(keyOf(host, port));
    // A configured proxy may carry its own query (`…/v2?x=y`): keep it after `address`.
    if (proxy !== undefined) {
      const [base, query] = proxy.split("?", 2);
      return `${base ?? proxy}?address=${host}:${String(port)}${query ? `&${query}` : ""}`;
    }
    return typeof driverProxy === "function" ? driverProxy(host, port) : `${driverProxy}?address=${host}:${String(port)}`;
  };
  neonConfig.fetchEndpoint = resolveEndpoint;
  neonConfig.wsProxy = resolveProxy;
  // Every HTTP round trip carries a deadline: a database that stops answering ends the
  // request with 503 `database_unavailable` (src/http/database-problems.ts), never a hang.
  neonConfig.fetchFunction = (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const deadline = AbortSignal.timeout(deadlines.get(url) ?? defaultDeadline);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    return fetch(input, { ...init, signal });
  };
  return driver;
}

let loaded: Promise<Driver> | undefined;

/** The Neon driver, loaded and configured once per isolate on first use. */
export function neonDriver(): Promise<Driver> {
  loaded ??= import("@neondatabase/serverless").then(configure);
  return loaded;
}

// The driver parses the connection string with an http: scheme for HTTP (port "" when
// absent), and with pg's parser for WebSockets (port 5432 when absent): key alike.
function hostKey(connectionString: string, defaultPort: string): string {
  const url = new URL(connectionString.replace(/^postgres(?:ql)?:/, "http:"));
  return keyOf(url.hostname, url.port === "" ? defaultPort : url.port);
}

/** Per-call options of {@link createSql}. */
export interface SqlOptions {
  /** Aborts the HTTP request (timeouts). */
  readonly signal?: AbortSignal;
}

/**
 * A Neon HTTP query function: one HTTP round trip per query or `sql.transaction([...])`.
 *
 * @example
 * ```ts
 * const sql = await createSql(config.database, { signal: AbortSignal.timeout(1000) });
 * await sql.query("select 1");
 * ```
 */
export async function createSql(db: DatabaseConfig, options: SqlOptions = {}): Promise<NeonQueryFunction<false, false>> {
  const { neon } = await neonDriver();
  const key = hostKey(db.url, "");
  const timeout = db.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (db.httpEndpoint === undefined) {
    endpoints.delete(key);
    defaultDeadline = timeout;
  } else {
    endpoints.set(key, db.httpEndpoint);
    deadlines.set(db.httpEndpoint, timeout);
  }
  return neon(db.url, options.signal === undefined ? {} : { fetchOptions: { signal: options.signal } });
}

/**
 * A WebSocket `Pool`, for the rare transaction that must read before it decides.
 * Create it inside the request and `end()` it there: Workers forbid sharing I/O
 * objects across requests. TLS inside the WebSocket is only skipped for a ws://
 * proxy, which config validation allows on loopback only.
 */
export async function createPool(db: DatabaseConfig): Promise<Pool> {
  const { neonConfig, Pool } = await neonDriver();
  const key = hostKey(db.url, "5432");
  if (db.wsProxy === undefined) {
    proxies.delete(key);
  } else {
    const proxy = new URL(db.wsProxy);
    const secure = proxy.protocol === "wss:";
    proxies.set(key, `${proxy.host}${proxy.pathname === "/" ? "" : proxy.pathname}${proxy.search}`);
    neonConfig.useSecureWebSocket = secure;
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = secure ? "password" : false;
  }
  return new Pool({ connectionString: db.url });
}
