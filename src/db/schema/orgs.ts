/**
 * Organizations (the tenants), who belongs to them with which role, and their
 * API keys. The role names are the README's ("Roles"); what each may do is decided in SQL
 * (`app.role_allows`) so the database policies and the API share one matrix.
 */
import { sql } from "drizzle-orm";
import { boolean, index, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./identity";

export const ORG_ROLES = ["owner", "admin", "member", "auditor", "viewer"] as const;
export type OrgRole = (typeof ORG_ROLES)[number];
export const orgRole = pgEnum("org_role", ORG_ROLES);

/**
 * API key scopes (P9): what a machine client may do inside its organization (README
 * "API keys"; `app.scope_allows` in drizzle/0008_api_keys_security.sql). A `:write`
 * scope includes its `:read`. Keys never manage members, keys or settings.
 */
export const API_KEY_SCOPES = ["records:read", "records:write", "audit:read", "evidence:read", "evidence:write"] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Deadline regimes an organization may apply to its incidents (P17); all three by default. */
export const DEADLINE_REGIMES = ["nis2", "gdpr", "customer"] as const;
export type DeadlineRegime = (typeof DEADLINE_REGIMES)[number];

export const organizations = pgTable("organizations", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  plan: text("plan").notNull().default("free"),
  /** P7: the org's routes refuse its members' aal1 tokens (403 `mfa_required`). */
  requireMfa: boolean("require_mfa").notNull().default(false),
  deadlineRegimes: text("deadline_regimes")
    .array()
    .notNull()
    .default(sql`'{nis2,gdpr,customer}'`),
  /** Set by a platform administrator; a suspended org's members can do nothing. */
  suspendedAt: timestamp("suspended_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const memberships = pgTable(
  "memberships",
  {
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: orgRole("role").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] })],
);

export const apiKeys = pgTable("api_keys", {
  id: uuid("id").primaryKey().defaultRandom(),
  orgId: uuid("org_id")
    .notNull()
    .references(() => organizations.id, { onDelete: "cascade" }),
  name: text("name").notNull(),
  /** The recognisable, non-secret start of the key (`rk_live_ab12…`), shown in lists. */
  prefix: text("prefix").notNull(),
  /** HMAC-SHA-256 of the whole key under API_KEY_HASH_SECRET, base64url (P10; src/crypto/api-keys.ts); never readable by the app role. */
  keyDigest: text("key_digest").notNull().unique(),
  scopes: text("scopes")
    .array()
    .notNull()
    .default(sql`'{records:read}'`),
  createdBy: uuid("created_by"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
  expiresAt: timestamp("expires_at", { withTimezone: true }),
  revokedAt: timestamp("revoked_at", { withTimezone: true }),
});

/**
 * Invitations to an organization (P9, P10): a single-use link emailed to an address
 * with a role; only the SHA-256 digest of its token is stored. Accepted by a
 * signed-in, verified user whose email matches, within seven days.
 */
export const invitations = pgTable(
  "invitations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    /** Normalised like an account's email (NFKC, trimmed, lower case). */
    email: text("email").notNull(),
    role: orgRole("role").notNull(),
    tokenDigest: text("token_digest").notNull().unique(),
    invitedBy: uuid("invited_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    acceptedAt: timestamp("accepted_at", { withTimezone: true }),
    acceptedBy: uuid("accepted_by").references(() => users.id, { onDelete: "set null" }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("invitations_org_id_idx").on(t.orgId)],
);
