/**
 * The gateway in front of embedded PGlite (no DATABASE_URL). Each POST /sql runs in
 * its own transaction, as the connection string's role (SET LOCAL ROLE), under the
 * backend lock; WebSocket /v2 sessions speak the wire protocol via pglite-ws-session.
 */
import type { PGlite } from "@electric-sql/pglite";
import type { WebSocket } from "ws";
import type { Backend } from "./backend.ts";
import { GatewayError } from "./errors.ts";
import { openPglite } from "./pglite-open.ts";
import { PgliteContext } from "./pglite-context.ts";
import { extendedQuery, simpleQuery } from "./pglite-exec.ts";
import { PgliteWsSession } from "./pglite-ws-session.ts";
import { changesRole, roleChangeRefused } from "./role-guard.ts";
import type { SqlRequest } from "./request.ts";
import { beginStatement, quoteIdent, type QueryResult } from "./result.ts";

/** What `startPgliteBackend` reports besides the backend itself. */
export interface PgliteBackend extends Backend {
  readonly start: "data-dir" | "snapshot" | "cold";
  readonly startMs: number;
}

async function runInTransaction(ctx: PgliteContext, request: SqlRequest): Promise<QueryResult[]> {
  const { db } = ctx;
  await simpleQuery(db, beginStatement(request.batch ? request.tx : {}));
  try {
    const role = ctx.roleFor(request.login.user);
    if (role) await simpleQuery(db, `SET LOCAL ROLE ${quoteIdent(role)}`);
    const results: QueryResult[] = [];
    for (const q of request.queries) {
      // A COMMIT/ROLLBACK inside the request would end the transaction and with it SET LOCAL ROLE:
      // the rest would run as superuser, so it is refused instead.
      if (!db.isInTransaction()) {
        throw new GatewayError(400, {
          message: "Neon gateway (PGlite): a statement ended the request's transaction (COMMIT/ROLLBACK inside a request is not supported)",
          severity: "ERROR",
          code: "0A000",
        });
      }
      if (role && changesRole(q.query)) throw roleChangeRefused();
      results.push(await extendedQuery(db, q));
      if (role && (await db.query<{ r: string }>("select current_user as r")).rows[0]?.r !== role) throw roleChangeRefused();
    }
    await simpleQuery(db, "COMMIT");
    return results;
  } catch (err) {
    if (db.isInTransaction()) await simpleQuery(db, "ROLLBACK");
    throw err;
  }
}

/** Opens PGlite (persisted in dataDir, or in memory from the snapshot) and serves it, after `prepare` ran on it. */
export async function startPgliteBackend(dataDir: string | undefined, prepare?: (db: PGlite) => Promise<void>): Promise<PgliteBackend> {
  const opened = await openPglite(dataDir);
  try {
    await prepare?.(opened.db);
  } catch (err) {
    await opened.db.close();
    throw err;
  }
  const ctx = await PgliteContext.create(opened.db);
  const sessions = new Set<PgliteWsSession>();
  let closed = false;

  async function runSql(request: SqlRequest): Promise<QueryResult | QueryResult[]> {
    if (closed) throw new GatewayError(503, { message: "Neon gateway: shutting down" });
    const owner = {};
    await ctx.acquire(owner);
    try {
      await ctx.enter(null);
      await ctx.checkLogin(request.login.user, request.login.database);
      const results = await runInTransaction(ctx, request);
      return request.batch ? results : (results[0] as QueryResult);
    } finally {
      try {
        // Session-level SETs made by the statements survive COMMIT; the next request starts clean.
        await ctx.resetBaseline();
      } finally {
        ctx.lock.release(owner);
      }
    }
  }

  function attachWebSocket(ws: WebSocket): void {
    const session = new PgliteWsSession(ws, ctx, () => sessions.delete(session));
    sessions.add(session);
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    const open = [...sessions];
    for (const session of open) session.terminate();
    await Promise.all(open.map((s) => s.finished));
    // Wait for whoever holds the backend (an HTTP request, a WS transaction being rolled back) to finish.
    const owner = {};
    await ctx.acquire(owner);
    try {
      await opened.db.close();
    } finally {
      ctx.lock.release(owner);
    }
  }

  return {
    kind: "pglite",
    // The driver needs a parseable URL; host and port are ignored by the gateway.
    connectionString: `postgresql://${ctx.superuser}:${ctx.superuser}@localhost:5432/${ctx.database}`,
    start: opened.start,
    startMs: opened.ms,
    runSql,
    attachWebSocket,
    close,
  };
}
