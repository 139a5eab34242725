/**
 * People and their sessions. Not tenant tables: a user belongs to many
 * organizations. Secrets (password hash, refresh-token digest) are columns the
 * app role is not granted: only the narrow functions in the `auth` schema read them.
 */
import { sql } from "drizzle-orm";
import { boolean, check, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
};

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Stored lower-cased and trimmed, so the unique index is the login identity. */
    email: text("email").notNull().unique(),
    name: text("name").notNull(),
    passwordHash: text("password_hash"),
    emailVerifiedAt: timestamp("email_verified_at", { withTimezone: true }),
    isSuperAdmin: boolean("is_super_admin").notNull().default(false),
    ...timestamps,
  },
  (t) => [check("users_email_normalised", sql`${t.email} = lower(btrim(${t.email}))`)],
);

export const sessions = pgTable("sessions", {
  id: uuid("id").primaryKey().defaultRandom(),
  userId: uuid("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  /** SHA-256 of the current refresh token, hex (P10). */
  refreshTokenDigest: text("refresh_token_digest").notNull().unique(),
  /** Authenticator assurance level: `aal1`, or `aal2` after MFA (P7). */
  aal: text("aal").notNull().default("aal1"),
  amr: text("amr")
    .array()
    .notNull()
    .default(sql`'{pwd}'`),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  revokedAt: timestamp("revoked_at", { withTimezone: true }),
});
