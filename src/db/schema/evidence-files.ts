/**
 * Evidence files (P12, P14): each upload to an evidence record is a version, one row
 * here and one R2 object whose key the database derives from the row itself
 * (`orgs/<org id>/evidence/<record id>/<version id>`, a generated column), so every
 * object key carries its organization and no client-chosen text ever becomes part of
 * one (the file's name is metadata). A version is `pending` from the moment its
 * upload URL is issued until the worker has stored bytes that match the declared size,
 * SHA-256 and media type, then `available`; only available versions are ever served.
 *
 * What drizzle-kit cannot express is in the custom migration
 * (drizzle/*_evidence_files_security.sql): the record must be of the same
 * organization (composite key, ON DELETE CASCADE), RLS with the `evidence:read` /
 * `evidence:write` actions, column grants, the state machine (pending → available,
 * nothing else changes) and the audit trigger.
 */
import { sql } from "drizzle-orm";
import { bigint, check, index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { organizations } from "./orgs";

/** A version's life: issued (`pending`), then stored and verified (`available`). */
export const EVIDENCE_FILE_STATES = ["pending", "available"] as const;
export type EvidenceFileState = (typeof EVIDENCE_FILE_STATES)[number];

/** Limits of the metadata columns (also CHECK constraints). */
export const EVIDENCE_FILE_LIMITS = { name: 255, mediaType: 127 } as const;

/** The request's actor as a column default; the guard trigger sets it either way. */
const ACTOR = sql`coalesce(nullif(current_setting('app.user_id', true), ''), nullif(current_setting('app.api_key_id', true), ''))::uuid`;

export const evidenceFiles = pgTable(
  "evidence_files",
  {
    /** The version's id: the last segment of its object key. */
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    /** The evidence record, of the same organization (composite key in the custom migration). */
    evidenceId: uuid("evidence_id").notNull(),
    /** P12: derived from the row, never sent by anyone. */
    objectKey: text("object_key")
      .notNull()
      .generatedAlwaysAs(sql`'orgs/' || org_id::text || '/evidence/' || evidence_id::text || '/' || id::text`),
    /** The client's file name: shown and used for downloads (Content-Disposition), never part of a key. */
    name: text("name").notNull(),
    mediaType: text("media_type").notNull(),
    /** Bytes, as declared before the upload and checked while it streamed. */
    size: bigint("size", { mode: "number" }).notNull(),
    /** SHA-256 of the content, lower-case hex, as declared and checked while it streamed. */
    sha256: text("sha256").notNull(),
    state: text("state").notNull().default("pending"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** The uploader: the user or API key that asked for the upload URL (set by the database). */
    createdBy: uuid("created_by").notNull().default(ACTOR),
    /** When the bytes were stored and verified; null while pending. */
    uploadedAt: timestamp("uploaded_at", { withTimezone: true }),
  },
  (t) => [
    index("evidence_files_record_idx").on(t.orgId, t.evidenceId, t.createdAt),
    check("evidence_files_state", sql.raw(`state IN (${EVIDENCE_FILE_STATES.map((s) => `'${s}'`).join(", ")})`)),
    check("evidence_files_name", sql.raw(`char_length(name) BETWEEN 1 AND ${EVIDENCE_FILE_LIMITS.name} AND name !~ '[[:cntrl:]/\\\\]'`)),
    check(
      "evidence_files_media_type",
      sql.raw(
        `media_type ~ '^[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*$' AND char_length(media_type) <= ${EVIDENCE_FILE_LIMITS.mediaType}`,
      ),
    ),
    check("evidence_files_size", sql.raw("size > 0")),
    check("evidence_files_sha256", sql.raw("sha256 ~ '^[0-9a-f]{64}$'")),
    check("evidence_files_uploaded", sql.raw("(state = 'available') = (uploaded_at IS NOT NULL)")),
  ],
);
