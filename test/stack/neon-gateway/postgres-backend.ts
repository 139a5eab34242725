/**
 * The gateway in front of a real Postgres (DATABASE_URL). Like Neon's proxy, it logs
 * in as the user of each request's connection string, so Postgres itself checks the
 * role and password; only the host and port come from DATABASE_URL (the gateway is
 * not an open proxy). WebSocket /v2 is a plain byte pipe to the same host:port.
 */
import net from "node:net";
import pg from "pg";
import type { WebSocket } from "ws";
import { messageBytes, type Backend } from "./backend.ts";
import { asGatewayError, connectionError } from "./errors.ts";
import type { LoginParams, SqlQuery, SqlRequest } from "./request.ts";
import { beginStatement, describeField, type QueryResult } from "./result.ts";

/** Every cell stays Postgres text output: the driver parses it itself by dataTypeID. */
const RAW_TEXT = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

/** SQLSTATEs of a refused login: invalid authorization, wrong password, unknown database. */
const LOGIN_REFUSED = new Set(["28000", "28P01", "3D000"]);

interface Target {
  readonly host: string;
  readonly port: number;
}

function targetOf(databaseUrl: string): Target {
  const url = new URL(`http:${databaseUrl.replace(/^[a-z]+:/i, "")}`);
  return { host: url.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1", port: url.port ? Number(url.port) : 5432 };
}

async function runQuery(client: pg.PoolClient, q: SqlQuery): Promise<QueryResult> {
  // Extended protocol always, as Neon does: one statement per query, parameters typed by Postgres.
  const config: pg.QueryArrayConfig & { queryMode: "extended" } = {
    text: q.query,
    values: [...q.params],
    rowMode: "array",
    types: RAW_TEXT,
    queryMode: "extended",
  };
  const result = await client.query<(string | null)[]>(config);
  return {
    command: result.command,
    rowCount: result.rowCount,
    rows: result.rows,
    fields: result.fields.map(describeField),
    rowAsArray: true,
  };
}

/** Starts the real-Postgres backend (no I/O until the first request). */
export function startPostgresBackend(databaseUrl: string): Backend {
  const target = targetOf(databaseUrl);
  const pools = new Map<string, pg.Pool>();
  const pipes = new Set<net.Socket>();

  function poolFor(login: LoginParams): pg.Pool {
    const key = JSON.stringify([login.user, login.password, login.database]);
    let pool = pools.get(key);
    if (!pool) {
      pool = new pg.Pool({ ...target, ...login, max: 4, idleTimeoutMillis: 10_000, allowExitOnIdle: true });
      // An idle client dying (Postgres restarted) must not crash the gateway; the pool drops it.
      pool.on("error", (err) => {
        console.warn(`[neon-gateway] idle Postgres connection failed: ${err.message}`);
      });
      pools.set(key, pool);
    }
    return pool;
  }

  async function connect(login: LoginParams): Promise<pg.PoolClient> {
    const pool = poolFor(login);
    try {
      return await pool.connect();
    } catch (err) {
      const answer = asGatewayError(err);
      if (answer) {
        // A refused login (wrong password, unknown role) leaves a useless pool behind: drop it once idle.
        if (LOGIN_REFUSED.has(answer.body.code ?? "") && pool.totalCount === 0) {
          pools.delete(JSON.stringify([login.user, login.password, login.database]));
          await pool.end();
        }
        throw answer;
      }
      throw connectionError(
        "08001",
        `cannot connect to Postgres at ${target.host}:${target.port}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  async function runSql(request: SqlRequest): Promise<QueryResult | QueryResult[]> {
    const client = await connect(request.login);
    let broken: Error | undefined;
    try {
      if (!request.batch) return await runQuery(client, request.queries[0] as SqlQuery);
      await client.query(beginStatement(request.tx));
      try {
        const results: QueryResult[] = [];
        for (const q of request.queries) results.push(await runQuery(client, q));
        await client.query("COMMIT");
        return results;
      } catch (err) {
        await client.query("ROLLBACK").catch((rollbackErr: unknown) => {
          // The connection is unusable; it is destroyed below instead of going back to the pool.
          broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
        });
        throw err;
      }
    } catch (err) {
      throw (
        asGatewayError(err) ?? connectionError("08006", `Postgres connection failed: ${err instanceof Error ? err.message : String(err)}`)
      );
    } finally {
      if (!broken) {
        // Session state (SET, set_config(..., false), SET ROLE) must not reach the next request on this connection.
        await client.query("DISCARD ALL").catch((discardErr: unknown) => {
          broken = discardErr instanceof Error ? discardErr : new Error(String(discardErr));
        });
      }
      client.release(broken);
    }
  }

  function attachWebSocket(ws: WebSocket): void {
    const socket = net.connect(target);
    socket.setNoDelay(true);
    pipes.add(socket);
    ws.on("message", (data) => socket.write(messageBytes(data)));
    ws.on("close", () => socket.end());
    ws.on("error", (err) => {
      console.warn(`[neon-gateway] WebSocket error: ${err.message}`);
      socket.destroy();
    });
    socket.on("data", (chunk) => {
      if (ws.readyState === ws.OPEN) ws.send(chunk);
    });
    socket.on("error", (err) => {
      console.warn(`[neon-gateway] Postgres socket error: ${err.message}`);
      ws.close(1011, "Postgres connection failed");
    });
    socket.on("close", () => {
      pipes.delete(socket);
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close();
    });
  }

  async function close(): Promise<void> {
    for (const socket of pipes) socket.destroy();
    const all = [...pools.values()];
    pools.clear();
    await Promise.all(all.map((p) => p.end()));
  }

  return { kind: "postgres", connectionString: databaseUrl, runSql, attachWebSocket, close };
}
