/**
 * The SQL of the evidence-file routes. Every value is a bound parameter; each statement
 * names the request's organization on top of the row policies that restrict it anyway.
 * A version is added by an INSERT … SELECT that finds the record in the same statement
 * (another organization's record, an unknown one: nothing inserted, 404), after the
 * plan's limits were checked in the same transaction; the audit entries are the table's
 * trigger, in that transaction too.
 */
import { sql } from "drizzle-orm";
import type { Database } from "../../db";
import type { Config } from "../../env";
import type { EvidenceFileOut, FileDeclarationInput } from "./files.schemas";
import type { FileTarget } from "./files.urls";

/** A version as the database answers it. */
export interface FileRow {
  readonly id: string;
  readonly evidence_id: string;
  readonly object_key: string;
  readonly name: string;
  readonly media_type: string;
  readonly size: string | number;
  readonly sha256: string;
  readonly state: string;
  readonly created_at: string | Date;
  readonly created_by: string;
  readonly uploaded_at: string | Date | null;
  readonly [column: string]: unknown;
}

const COLUMNS = sql`id, evidence_id, object_key, name, media_type, size, sha256, state, created_at, created_by, uploaded_at`;

/**
 * How long a pending version keeps its size reserved in the organization's quota: well
 * past its URL's 5 minutes, for an upload that started in time and streams slowly. A
 * version still pending after that was abandoned; it is shown (and can be deleted) but
 * no longer counted.
 */
export const PENDING_RESERVATION = "1 hour";

const iso = (value: string | Date): string => new Date(value).toISOString();

/** A version as the API answers it (never its object key). */
export function presentFile(row: FileRow): EvidenceFileOut {
  return {
    id: row.id,
    evidence_id: row.evidence_id,
    name: row.name,
    media_type: row.media_type,
    size: Number(row.size),
    sha256: row.sha256,
    state: row.state as EvidenceFileOut["state"],
    created_at: iso(row.created_at),
    created_by: row.created_by,
    uploaded_at: row.uploaded_at === null ? null : iso(row.uploaded_at),
  };
}

/**
 * The plan's limits for a new version of `size` bytes (`app.check_evidence_limits`): raises
 * RAFSZ (413 `file_too_large`) or RAQTA (413 `storage_quota_exceeded`), aborting the
 * transaction, and holds the organization's upload lock until it commits.
 */
export const checkLimits = (tx: Database, config: Config, size: number) =>
  tx.execute(
    sql`select app.check_evidence_limits(${size}::bigint, ${JSON.stringify(config.evidence.fileBytes)}::jsonb, ${config.evidence.orgBytesCap}::bigint, ${PENDING_RESERVATION}::interval)`,
  );

/**
 * A pending version of the record. Run after {@link checkLimits}. The record must be this
 * organization's: the composite key `(org_id, evidence_id)` refuses any other (23503,
 * {@link RECORD_KEY}), checked without row policies, so an API key with only `evidence:*`
 * scopes, which may not read the evidence records themselves, still reaches its files.
 */
export function insertVersion(tx: Database, orgId: string, recordId: string, file: FileDeclarationInput) {
  return tx.execute<FileRow>(sql`
    insert into evidence_files (org_id, evidence_id, name, media_type, size, sha256)
    values (${orgId}::uuid, ${recordId}::uuid, ${file.name}::text, ${file.media_type}::text, ${file.size}::bigint, ${file.sha256}::text)
    returning ${COLUMNS}`);
}

/** The key that refuses a version of a record that is not the organization's (drizzle/0024_evidence_files_security.sql). */
export const RECORD_KEY = "evidence_files_record_same_org_fk";

/**
 * Whether the record exists in this organization, as far as the caller may read records
 * (an API key with only `evidence:*` scopes sees none: its answers rely on the versions).
 */
export const recordExists = (tx: Database, orgId: string, recordId: string) =>
  tx.execute<{ id: string }>(sql`select id from evidence where org_id = ${orgId}::uuid and id = ${recordId}::uuid`);

/** How many versions a list answers at most. */
export const MAX_VERSIONS_LISTED = 200;

/** The record's versions, newest first. */
export const listVersions = (tx: Database, orgId: string, recordId: string) =>
  tx.execute<FileRow>(sql`
    select ${COLUMNS} from evidence_files
    where org_id = ${orgId}::uuid and evidence_id = ${recordId}::uuid
    order by created_at desc, id desc
    limit ${MAX_VERSIONS_LISTED}`);

/** An available version: `versionId`, or the newest when null. */
export const availableVersion = (tx: Database, orgId: string, recordId: string, versionId: string | null) =>
  tx.execute<FileRow>(sql`
    select ${COLUMNS} from evidence_files
    where org_id = ${orgId}::uuid and evidence_id = ${recordId}::uuid and state = 'available'
      and (${versionId}::uuid is null or id = ${versionId}::uuid)
    order by created_at desc, id desc
    limit 1`);

/** Removes a version; its object key, for R2 after the commit. */
export const deleteVersion = (tx: Database, target: FileTarget) =>
  tx.execute<{ object_key: string }>(sql`
    delete from evidence_files
    where org_id = ${target.orgId}::uuid and evidence_id = ${target.recordId}::uuid and id = ${target.versionId}::uuid
    returning object_key`);

/** Removes a version only while it is pending (a refused upload); an available one stays. */
export const dropPending = (tx: Database, target: FileTarget) =>
  tx.execute<{ object_key: string }>(sql`
    delete from evidence_files
    where org_id = ${target.orgId}::uuid and evidence_id = ${target.recordId}::uuid and id = ${target.versionId}::uuid
      and state = 'pending'
    returning object_key`);

/** Marks a stored upload available, if the version is still pending with exactly these terms. */
export const completeUpload = (tx: Database, target: FileTarget, size: number, mediaType: string, sha256: string) =>
  tx.execute<FileRow>(sql`
    update evidence_files set state = 'available'
    where org_id = ${target.orgId}::uuid and evidence_id = ${target.recordId}::uuid and id = ${target.versionId}::uuid
      and state = 'pending' and size = ${size}::bigint and media_type = ${mediaType}::text and sha256 = ${sha256}::text
    returning ${COLUMNS}`);

/** A version as it is (after {@link completeUpload} in the same transaction: did it exist, is it available?). */
export const versionOf = (tx: Database, target: FileTarget) =>
  tx.execute<FileRow>(sql`
    select ${COLUMNS} from evidence_files
    where org_id = ${target.orgId}::uuid and evidence_id = ${target.recordId}::uuid and id = ${target.versionId}::uuid`);

/** The object keys of a record's versions, read before the record is deleted (app.evidence_object_keys). */
export const recordObjectKeys = (tx: Database, recordId: string) =>
  tx.execute<{ object_key: string }>(sql`select k as object_key from app.evidence_object_keys(${recordId}::uuid) as k`);
