/**
 * PGlite has ONE backend session; the gateway multiplexes HTTP requests and WebSocket
 * sessions onto it. This module owns that session: who is "in" it, the emulated
 * login (role checks, SET ROLE), and swapping per-WebSocket-session settings in and
 * out so one client's SETs do not show up in another's.
 */
import type { PGlite } from "@electric-sql/pglite";
import { GatewayError, loginError } from "./errors.ts";
import { BackendLock } from "./mutex.ts";
import { quoteIdent } from "./result.ts";

/** How long a request waits for the backend before failing (a WebSocket transaction may hold it). */
export const LOCK_WAIT_MS = 15_000;

/** A logged-in WebSocket session, as far as the shared backend is concerned. */
export interface WsOwner {
  /** The login role; null when it is the bootstrap superuser (no SET ROLE needed). */
  readonly role: string | null;
  /** Session-level settings saved while another owner used the backend. */
  saved: { readonly names: string[]; readonly values: string[]; readonly role: string } | null;
  alive: boolean;
}

/** What a successful login check learned about the role. */
export interface LoginInfo {
  readonly superuser: boolean;
}

export class PgliteContext {
  readonly db: PGlite;
  readonly lock = new BackendLock();
  /** The role PGlite's single session is authenticated as (postgres). */
  readonly superuser: string;
  readonly database: string;
  /** Whose session settings are loaded now; null = clean baseline. */
  #current: WsOwner | null = null;

  constructor(db: PGlite, superuser: string, database: string) {
    this.db = db;
    this.superuser = superuser;
    this.database = database;
  }

  static async create(db: PGlite): Promise<PgliteContext> {
    const { rows } = await db.query<{ u: string; d: string }>("select session_user as u, current_database() as d");
    const row = rows[0];
    if (!row) throw new Error("PGlite did not report its session user");
    return new PgliteContext(db, row.u, row.d);
  }

  /** Waits for the backend; a timeout becomes an error that names the likely cause. */
  acquire(owner: object): Promise<void> {
    return this.lock.acquire(
      owner,
      LOCK_WAIT_MS,
      () =>
        new GatewayError(400, {
          message: `Neon gateway (PGlite): waited ${LOCK_WAIT_MS / 1000} s for the single PGlite backend; a WebSocket client is probably holding a transaction open`,
          severity: "ERROR",
          code: "55P03",
        }),
    );
  }

  /**
   * Emulates the login check Postgres does at connection time (trust authentication:
   * passwords are not checked). Throws the same SQLSTATE a real login would give.
   */
  async checkLogin(user: string, database: string): Promise<LoginInfo> {
    const { rows } = await this.db.query<{ canlogin: boolean; super: boolean }>(
      "select rolcanlogin as canlogin, rolsuper as super from pg_roles where rolname = $1",
      [user],
    );
    const role = rows[0];
    if (!role) throw loginError("28000", `role "${user}" does not exist`);
    if (!role.canlogin) throw loginError("28000", `role "${user}" is not permitted to log in`);
    if (database !== this.database) {
      const exists = await this.db.query("select 1 from pg_database where datname = $1", [database]);
      if (exists.rows.length === 0) throw loginError("3D000", `database "${database}" does not exist`);
      throw loginError("0A000", `the PGlite gateway serves only database "${this.database}", not "${database}"`);
    }
    return { superuser: role.super };
  }

  /** The role to SET for a login, or null for the bootstrap superuser. */
  roleFor(user: string): string | null {
    return user === this.superuser ? null : user;
  }

  /**
   * Makes `owner`'s session state current (null = clean baseline for an HTTP request).
   * The previous WebSocket owner's session settings are saved first and restored when
   * it comes back. Custom settings (set_config('app.x', …, false)) are not listed in
   * pg_settings, so those are reset at a hand-over, not restored (see README).
   * The caller holds the lock and the backend is idle (not in a transaction).
   */
  async enter(owner: WsOwner | null): Promise<void> {
    const previous = this.#current;
    if (previous === owner) return;
    if (previous?.alive) {
      const { rows } = await this.db.query<{ name: string; setting: string }>(
        "select name, setting from pg_settings where source = 'session' and name not in ('role', 'session_authorization', 'is_superuser')",
      );
      const role = await this.db.query<{ role: string }>("select current_setting('role') as role");
      previous.saved = { names: rows.map((r) => r.name), values: rows.map((r) => r.setting), role: role.rows[0]?.role ?? "none" };
    }
    await this.resetBaseline();
    if (!owner) return;
    if (owner.saved && owner.saved.names.length > 0) {
      await this.db.query("select set_config(n, v, false) from unnest($1::text[], $2::text[]) as s(n, v)", [
        owner.saved.names,
        owner.saved.values,
      ]);
    }
    const role = owner.saved ? owner.saved.role : (owner.role ?? "none");
    if (role !== "none") await this.db.exec(`SET ROLE ${quoteIdent(role)}`);
    this.#current = owner;
  }

  /** Marks `owner` as the one whose state is loaded (after a login set it up). */
  adopt(owner: WsOwner): void {
    this.#current = owner;
  }

  /** Session state back to the bootstrap superuser with default settings. */
  async resetBaseline(): Promise<void> {
    // RESET ALL leaves ROLE and SESSION AUTHORIZATION alone, and PGlite's RESET SESSION
    // AUTHORIZATION is a no-op (its boot value is empty), so both are set explicitly.
    await this.db.exec(`SET SESSION AUTHORIZATION ${quoteIdent(this.superuser)}; RESET ROLE; RESET ALL`);
    this.#current = null;
  }

  /** Drops a closed session: if its state is loaded, the backend goes back to baseline. */
  async forget(owner: WsOwner): Promise<void> {
    owner.alive = false;
    owner.saved = null;
    if (this.#current === owner) await this.resetBaseline();
  }
}
