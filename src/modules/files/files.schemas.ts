/**
 * Request and response schemas of the evidence-file routes (P14): a file's declaration
 * before its upload (name, size, media type, SHA-256), a version as answered, and the
 * signed URLs. Every string has a maximum (422 otherwise); the database checks the same
 * rules again (CHECK constraints of evidence_files).
 */
import { z } from "@hono/zod-openapi";
import { EVIDENCE_MEDIA_TYPE_LIST, MAX_UPLOAD_BYTES } from "../../config/evidence";
import { EVIDENCE_FILE_LIMITS, EVIDENCE_FILE_STATES } from "../../db/schema";
import { OrgParams } from "../orgs/orgs.schemas";

const RECORD_ID_EXAMPLE = "3f1e9c2a-7b4d-4e6f-9a8b-1c2d3e4f5a6b";
const VERSION_ID_EXAMPLE = "9d2b7c1e-4f3a-4b8e-8c6d-2a1f0e9d8c7b";
const USER_ID_EXAMPLE = "5d0c1f7e-2b7a-4c39-9a0e-6f1d2c3b4a55";
const WHEN_EXAMPLE = "2026-11-30T09:00:00.000Z";
const SHA256_EXAMPLE = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

const id = (name: string, example: string) =>
  z
    .string()
    .max(64)
    .openapi({ param: { name, in: "path" }, format: "uuid", example });

/** `{org}` and an evidence record's id; a malformed id names no record (404, like an unknown one). */
export const EvidenceParams = OrgParams.extend({ id: id("id", RECORD_ID_EXAMPLE) });

/** `{org}`, the record and one of its versions. */
export const VersionParams = EvidenceParams.extend({ version: id("version", VERSION_ID_EXAMPLE) });

/** The path of a signed file URL: the object key's parts. Checked against the signature, not here (403 either way). */
export const FileUrlParams = z.object({
  org: id("org", "0b9c6f3e-6d1f-4a8e-9a51-2f0c2d7e4b11"),
  id: id("id", RECORD_ID_EXAMPLE),
  version: id("version", VERSION_ID_EXAMPLE),
});

/** A file name: what the person called it, shown and used for downloads, never part of a storage key. */
const FileName = z
  .string()
  .trim()
  .min(1)
  .max(EVIDENCE_FILE_LIMITS.name)
  .refine((name) => !/[\p{Cc}/\\]/u.test(name), { message: "must be a file name: no slashes, backslashes or control characters" })
  .openapi({ example: "MFA report November 2026.pdf" });

/** What a client declares before it uploads: the upload URL is bound to exactly this. */
export const FileDeclaration = z
  .strictObject({
    name: FileName,
    size: z
      .number()
      .int()
      .min(1)
      .max(MAX_UPLOAD_BYTES)
      .openapi({ description: "Bytes. At most the organization's limit per file (413 `file_too_large`).", example: 482133 }),
    media_type: z
      .string()
      .trim()
      .toLowerCase()
      .max(EVIDENCE_FILE_LIMITS.mediaType)
      .openapi({
        description: `One of the allowed types (else 415 \`media_type_not_allowed\`): ${EVIDENCE_MEDIA_TYPE_LIST.map((t) => `\`${t}\``).join(", ")}. The file's first bytes must match it.`,
        example: "application/pdf",
      }),
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, "must be a SHA-256 in hex (64 characters)")
      .transform((hex) => hex.toLowerCase())
      .openapi({ description: "SHA-256 of the file's content, hex.", example: SHA256_EXAMPLE }),
  })
  .openapi("EvidenceFileDeclaration", {
    example: { name: "MFA report November 2026.pdf", size: 482133, media_type: "application/pdf", sha256: SHA256_EXAMPLE },
  });
export type FileDeclarationInput = z.infer<typeof FileDeclaration>;

/** One version of an evidence record's file. */
export const EvidenceFile = z
  .object({
    id: z.uuid().openapi({ description: "The version's id." }),
    evidence_id: z.uuid(),
    name: z.string(),
    media_type: z.string(),
    size: z.number().int(),
    sha256: z.string().openapi({ description: "SHA-256 of the content, hex: declared, and checked while the upload streamed." }),
    state: z.enum(EVIDENCE_FILE_STATES).openapi({
      description: "`pending` until its bytes are uploaded and verified, then `available`. Only available versions are served.",
    }),
    created_at: z.iso.datetime(),
    created_by: z.uuid().openapi({ description: "The uploader: the user or API key that asked for the upload URL (set by the database)." }),
    uploaded_at: z.iso.datetime().nullable().openapi({ description: "When the bytes were stored and verified." }),
  })
  .openapi("EvidenceFile", {
    example: {
      id: VERSION_ID_EXAMPLE,
      evidence_id: RECORD_ID_EXAMPLE,
      name: "MFA report November 2026.pdf",
      media_type: "application/pdf",
      size: 482133,
      sha256: SHA256_EXAMPLE,
      state: "available",
      created_at: WHEN_EXAMPLE,
      created_by: USER_ID_EXAMPLE,
      uploaded_at: WHEN_EXAMPLE,
    },
  });
export type EvidenceFileOut = z.infer<typeof EvidenceFile>;

const UPLOAD_URL_EXAMPLE =
  "https://api.rampart.example/files/orgs/0b9c6f3e-6d1f-4a8e-9a51-2f0c2d7e4b11/evidence/3f1e9c2a-7b4d-4e6f-9a8b-1c2d3e4f5a6b/9d2b7c1e-4f3a-4b8e-8c6d-2a1f0e9d8c7b?exp=1796040000&act=u2.5d0c1f7e-2b7a-4c39-9a0e-6f1d2c3b4a55&size=482133&type=application%2Fpdf&sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08&kid=v1&sig=Hk3x…";

/** How to upload a pending version: one PUT of the raw bytes to `url`, with these headers, before `expires_at`. */
export const UploadInstructions = z
  .object({
    method: z.literal("PUT"),
    url: z.string().openapi({
      description: "Signed: bound to this object, organization, size, media type and SHA-256; no bearer token.",
      example: UPLOAD_URL_EXAMPLE,
    }),
    headers: z
      .object({ "content-type": z.string(), "content-length": z.string() })
      .openapi({ description: "Send exactly these (the declared media type and size)." }),
    expires_at: z.iso.datetime().openapi({ description: "At most 5 minutes after it was issued." }),
    file: EvidenceFile,
  })
  .openapi("EvidenceFileUpload");
export type UploadInstructionsOut = z.infer<typeof UploadInstructions>;

/** The answer of `POST …/files`: the pending version and how to upload it. */
export const FileCreated = z.object({ upload: UploadInstructions }).openapi("EvidenceFileCreated");

/** The versions of a record's file, newest first. */
export const FileList = z.object({ items: z.array(EvidenceFile) }).openapi("EvidenceFileList");

/** `?version=`: a version of the record (default: its newest available one). */
export const DownloadQuery = z.object({
  version: z
    .string()
    .max(64)
    .optional()
    .openapi({ param: { name: "version", in: "query" }, format: "uuid", description: "Default: the newest available version." }),
});

/** A download URL. */
export const DownloadUrl = z
  .object({
    url: z.string().openapi({ description: "Signed: bound to this one object and organization; no bearer token; `GET` (or `HEAD`) only." }),
    expires_at: z.iso.datetime().openapi({ description: "At most 5 minutes after it was issued." }),
    file: EvidenceFile,
  })
  .openapi("EvidenceDownloadUrl");
