/**
 * The auth module's database calls: one typed statement per step function of the
 * `auth` schema (drizzle/*_identity_security.sql), to be sent with `inContext`
 * (one transaction, one round trip). The app role can do nothing else with
 * password hashes, sealed TOTP secrets or token digests.
 */
import { sql } from "drizzle-orm";
import type { Database } from "../../db";

/** The first row of a statement's result, if any. */
export function first<T>(result: { readonly rows: readonly T[] }): T | undefined {
  return result.rows[0];
}

/** Session lifetimes and client facts every new session is given. */
export interface NewSession {
  readonly refreshDigest: string;
  readonly idleSeconds: number;
  readonly maxSeconds: number;
  readonly ipPrefix: string | null;
  readonly userAgent: string | null;
}

export const authSql = {
  signup: (tx: Database, email: string, name: string, hash: string, tokenDigest: string, tokenSeconds: number) =>
    tx.execute<{ outcome: "created" | "replaced" | "exists"; user_id: string }>(
      sql`select * from auth.signup(${email}, ${name}, ${hash}, ${tokenDigest}, ${tokenSeconds})`,
    ),
  issueEmailToken: (tx: Database, email: string, purpose: "verify_email" | "password_reset", digest: string, seconds: number) =>
    tx.execute<{ user_id: string; name: string }>(sql`select * from auth.issue_email_token(${email}, ${purpose}, ${digest}, ${seconds})`),
  verifyEmail: (tx: Database, digest: string) =>
    tx.execute<{ user_id: string | null }>(sql`select auth.verify_email(${digest}) as user_id`),
  passwordLogin: (tx: Database, email: string) =>
    tx.execute<{ user_id: string; password_hash: string | null; email_verified: boolean; totp_enabled: boolean }>(
      sql`select * from auth.password_login(${email})`,
    ),
  startSession: (tx: Database, userId: string, amr: readonly string[], session: NewSession, rehash: string | null) =>
    tx.execute<{ session_id: string; is_super_admin: boolean }>(
      sql`select * from auth.start_session(${userId}, 'aal1', ${toArray(amr)}::text[], ${session.refreshDigest}, ${session.idleSeconds},
        ${session.maxSeconds}, ${session.ipPrefix}, ${session.userAgent}, ${rehash})`,
    ),
  startMfa: (tx: Database, userId: string, digest: string, seconds: number, rehash: string | null) =>
    tx.execute(sql`select auth.start_mfa(${userId}, ${digest}, ${seconds}, ${rehash})`),
  mfaChallenge: (tx: Database, digest: string) =>
    tx.execute<{ user_id: string; totp_secret: string | null; totp_last_step: string | null }>(
      sql`select * from auth.mfa_challenge(${digest})`,
    ),
  finishMfa: (tx: Database, digest: string, proof: { step: number } | { recoveryDigest: string }, session: NewSession) =>
    tx.execute<{
      outcome: "ok" | "invalid_challenge" | "replayed" | "invalid_code";
      user_id: string | null;
      session_id: string | null;
      is_super_admin: boolean | null;
      amr: string[] | null;
      email: string | null;
      recovery_left: number | null;
    }>(
      sql`select * from auth.finish_mfa(${digest}, ${"step" in proof ? proof.step : null}::bigint, ${"recoveryDigest" in proof ? proof.recoveryDigest : null},
        ${session.refreshDigest}, ${session.idleSeconds}, ${session.maxSeconds}, ${session.ipPrefix}, ${session.userAgent})`,
    ),
  refreshSession: (tx: Database, digest: string, nextDigest: string, graceSeconds: number, idleSeconds: number) =>
    tx.execute<{
      outcome: "rotated" | "retried" | "reused" | "expired" | "invalid";
      session_id: string | null;
      user_id: string | null;
      aal: "aal1" | "aal2" | null;
      amr: string[] | null;
      is_super_admin: boolean | null;
    }>(sql`select * from auth.refresh_session(${digest}, ${nextDigest}, ${graceSeconds}, ${idleSeconds})`),
  currentPassword: (tx: Database) =>
    tx.execute<{ password_hash: string | null; totp_enabled: boolean }>(sql`select * from auth.current_password()`),
  changePassword: (tx: Database, expectedHash: string, newHash: string, keepSession: string) =>
    tx.execute<{ revoked: string }>(sql`select * from auth.change_password(${expectedHash}, ${newHash}, ${keepSession})`),
  resetPassword: (tx: Database, digest: string, newHash: string) =>
    tx.execute<{ user_id: string; revoked: string[] }>(sql`select * from auth.reset_password(${digest}, ${newHash})`),
  totpEnroll: (tx: Database, sealed: string) =>
    tx.execute<{ outcome: "enrolled" | "already_enabled"; email: string | null }>(sql`select * from auth.totp_enroll(${sealed})`),
  totpPending: (tx: Database) => tx.execute<{ totp_secret: string | null; enabled: boolean }>(sql`select * from auth.totp_pending()`),
  totpActivate: (tx: Database, sealed: string, step: number, recoveryDigests: readonly string[]) =>
    tx.execute<{ activated: boolean }>(
      sql`select auth.totp_activate(${sealed}, ${step}::bigint, ${toArray(recoveryDigests)}::text[]) as activated`,
    ),
  totpDisable: (tx: Database) => tx.execute<{ disabled: boolean }>(sql`select auth.totp_disable() as disabled`),
  me: (tx: Database) =>
    tx.execute<{
      id: string;
      email: string;
      name: string;
      email_verified: boolean;
      totp_enabled: boolean;
      is_super_admin: boolean;
      memberships: { org_id: string; name: string; role: "owner" | "admin" | "member" | "auditor" | "viewer" }[];
    }>(sql`select * from auth.me()`),
};

/** A Postgres array literal of text values (quoted, escaped), sent as one parameter. */
function toArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, "\\$&")}"`).join(",")}}`;
}
