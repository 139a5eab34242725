/**
 * People, their sessions and the short-lived secrets of signing in. Not tenant
 * tables: a user belongs to many organizations. Secrets (password hash, sealed
 * TOTP secret, token and code digests) are columns the app role is not granted:
 * only the narrow SECURITY DEFINER functions in the `auth` schema read or write
 * them, one per step of a flow (drizzle/*_security.sql).
 */
import { sql } from "drizzle-orm";
import { bigint, boolean, check, index, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";

const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
};

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Stored NFKC-normalised, lower-cased and trimmed, so the unique index is the login identity. */
    email: text("email").notNull().unique(),
    name: text("name").notNull(),
    /** bcrypt in modular-crypt form; ours carry the `$bcrypt-sha256$` prefix (README "Identity"). */
    passwordHash: text("password_hash"),
    emailVerifiedAt: timestamp("email_verified_at", { withTimezone: true }),
    isSuperAdmin: boolean("is_super_admin").notNull().default(false),
    /** The TOTP secret, sealed with AES-256-GCM under a versioned data key; set at enrolment. */
    totpSecret: text("totp_secret"),
    /** Set when the enrolment was confirmed with a code; TOTP is required from then on. */
    totpEnabledAt: timestamp("totp_enabled_at", { withTimezone: true }),
    /** The last TOTP time step accepted: a step is accepted once (P7, no replay). */
    totpLastStep: bigint("totp_last_step", { mode: "number" }),
    passwordChangedAt: timestamp("password_changed_at", { withTimezone: true }),
    ...timestamps,
  },
  (t) => [check("users_email_normalised", sql`${t.email} = lower(btrim(${t.email}))`)],
);

export const sessions = pgTable(
  "sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** HMAC-SHA-256 of the current refresh token, base64url (P10). */
    refreshTokenDigest: text("refresh_token_digest").notNull().unique(),
    /** Authenticator assurance level: `aal1`, or `aal2` after MFA (P7). */
    aal: text("aal").notNull().default("aal1"),
    amr: text("amr")
      .array()
      .notNull()
      .default(sql`'{pwd}'`),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
    /** The idle deadline, moved forward by each refresh but never past `absolute_expires_at`. */
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    absoluteExpiresAt: timestamp("absolute_expires_at", { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    /** Why: `logout`, `user`, `refresh_reuse`, `password_changed`, `password_reset`. */
    revokedReason: text("revoked_reason"),
    /** The client address truncated to /24 (IPv4) or /48 (IPv6), for the sessions list. */
    ipPrefix: text("ip_prefix"),
    /** A short summary of the User-Agent (browser and OS), never the raw header. */
    userAgent: text("user_agent"),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

/** Refresh tokens a session has rotated away from: a rotated token presented again is reuse (P8). */
export const refreshTokenHistory = pgTable(
  "refresh_token_history",
  {
    digest: text("digest").primaryKey(),
    sessionId: uuid("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    rotatedAt: timestamp("rotated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("refresh_token_history_session_idx").on(t.sessionId)],
);

/** Single-use email links: verification (24 h) and password reset (1 h), stored as digests (P6, P10). */
export const emailTokens = pgTable(
  "email_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: text("purpose").notNull(),
    digest: text("digest").notNull().unique(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
  },
  (t) => [
    index("email_tokens_user_idx").on(t.userId),
    check("email_tokens_purpose", sql`${t.purpose} in ('verify_email', 'password_reset')`),
  ],
);

/** The pending second step of a login with TOTP enrolled: single-use, 5 minutes (P7). */
export const mfaChallenges = pgTable("mfa_challenges", {
  digest: text("digest").primaryKey(),
  userId: uuid("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  usedAt: timestamp("used_at", { withTimezone: true }),
});

/** Ten single-use recovery codes per TOTP enrolment, stored as keyed digests (P7, P10). */
export const recoveryCodes = pgTable(
  "recovery_codes",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    digest: text("digest").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    usedAt: timestamp("used_at", { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.digest] })],
);
