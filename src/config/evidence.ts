/**
 * Evidence files (P14): the limit per file (per plan, default from the bindings) and an
 * optional ceiling on every organization's storage (whose limit per plan is the database's
 * plan table), the media types an upload may have, each with the leading bytes that prove
 * it, how long a signed URL lives, and the URL signing keys.
 * Limits a promise depends on are enforced here: a signed URL lives at most 5 minutes,
 * whatever the binding says.
 */
import { z } from "zod";
import { integer, secret } from "./rules";

/** The evidence bindings (wrangler.toml [vars]; URL_SIGNING_SECRET is a secret). */
export const EVIDENCE_BINDINGS = ["EVIDENCE_MAX_FILE_BYTES", "EVIDENCE_MAX_ORG_BYTES", "EVIDENCE_URL_TTL_SECONDS"] as const;

const MB = 1024 * 1024;

/**
 * The largest file of the plans that differ from the default (`organizations.plan`, which
 * billing sets); every other plan has EVIDENCE_MAX_FILE_BYTES. An organization's storage
 * per plan is the database's plan table (`app.plan_limits()`, evidence_storage_bytes: free
 * 1 GiB), read by the statement that checks it, one source for billing and enforcement.
 */
export const PLAN_FILE_BYTES: Readonly<Record<string, number>> = {};

/** Bytes a file must have at an offset. */
export interface MagicPart {
  readonly offset: number;
  readonly bytes: readonly number[];
}

/**
 * How an allowed media type is recognised in a file's first bytes: `magic` (any one of
 * the alternatives, each a list of byte strings that must all be at their offsets), or
 * `text` (valid UTF-8 without control characters other than tab, line feed, form feed
 * and carriage return). The header alone is never trusted: the bytes decide.
 */
export type MediaSignature = { readonly kind: "magic"; readonly anyOf: readonly (readonly MagicPart[])[] } | { readonly kind: "text" };

const ascii = (text: string): number[] => Array.from({ length: text.length }, (_, i) => text.charCodeAt(i));
const magic = (...anyOf: MagicPart[][]): MediaSignature => ({ kind: "magic", anyOf });
const at0 = (bytes: number[]): MagicPart[] => [{ offset: 0, bytes }];
/** ZIP containers (Office Open XML, OpenDocument): a local file header. Which kind of ZIP is not told apart. */
const ZIP = magic(at0([0x50, 0x4b, 0x03, 0x04]));
/** Legacy Office files (OLE2 compound documents). */
const OLE2 = magic(at0([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]));
const TEXT: MediaSignature = { kind: "text" };

/**
 * THE allow-list of evidence media types. Nothing a browser would run or render as a
 * page is on it (no HTML, SVG, XML or JavaScript); downloads are attachments anyway.
 */
export const EVIDENCE_MEDIA_TYPES = {
  "application/pdf": magic(at0(ascii("%PDF-"))),
  "image/png": magic(at0([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  "image/jpeg": magic(at0([0xff, 0xd8, 0xff])),
  "image/gif": magic(at0(ascii("GIF87a")), at0(ascii("GIF89a"))),
  "image/webp": magic([
    { offset: 0, bytes: ascii("RIFF") },
    { offset: 8, bytes: ascii("WEBP") },
  ]),
  "application/zip": ZIP,
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ZIP,
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ZIP,
  "application/vnd.openxmlformats-officedocument.presentationml.presentation": ZIP,
  "application/vnd.oasis.opendocument.text": ZIP,
  "application/vnd.oasis.opendocument.spreadsheet": ZIP,
  "application/msword": OLE2,
  "application/vnd.ms-excel": OLE2,
  "text/plain": TEXT,
  "text/csv": TEXT,
  "text/markdown": TEXT,
  "application/json": TEXT,
} as const satisfies Record<string, MediaSignature>;

/** An allowed media type. */
export type EvidenceMediaType = keyof typeof EVIDENCE_MEDIA_TYPES;

/** The allowed media types, in the table's order. */
export const EVIDENCE_MEDIA_TYPE_LIST = Object.keys(EVIDENCE_MEDIA_TYPES) as [EvidenceMediaType, ...EvidenceMediaType[]];

/** Whether `type` (a media type's essence, lower case) is on the allow-list. */
export const isAllowedMediaType = (type: string): type is EvidenceMediaType => Object.hasOwn(EVIDENCE_MEDIA_TYPES, type);

/** P14: a signed URL lives at most this long. */
export const MAX_URL_TTL_SECONDS = 300;

/**
 * R2's largest single upload is 5 GiB; an upload route never accepts more, whatever a
 * plan allows (the URL's own size is checked first).
 */
export const MAX_UPLOAD_BYTES = 5 * 1024 * MB;

/** One URL signing key: its id (in every URL it signs) and its secret. */
export interface UrlSigningKey {
  readonly kid: string;
  readonly secret: string;
}

/** A key id as it may appear in a URL. */
const KID = /^[\w-]{1,16}$/;
/** The key id of a bare secret (a value without `kid:`), as the first versions of .dev.vars wrote it. */
export const BARE_SECRET_KID = "v0";

/**
 * URL_SIGNING_SECRET: `kid:secret` entries, comma-separated, newest first. The first
 * signs; every one verifies, so an old key keeps the URLs it signed working until they
 * expire (5 minutes), then it can go. A bare secret (no `kid:`) is one key, `v0`.
 * Secrets are at least 32 characters; key ids are unique.
 */
export const urlSigningKeys = secret(32)
  .transform((value, ctx): UrlSigningKey[] => {
    const keys: UrlSigningKey[] = [];
    for (const entry of value.split(",")) {
      const colon = entry.indexOf(":");
      const key = colon < 0 ? { kid: BARE_SECRET_KID, secret: entry } : { kid: entry.slice(0, colon), secret: entry.slice(colon + 1) };
      // The value is a secret: say what is wrong, never echo it.
      if (!KID.test(key.kid)) ctx.addIssue({ code: "custom", message: "key ids are 1-16 characters of A-Z a-z 0-9 _ -" });
      else if (key.secret.length < 32)
        ctx.addIssue({ code: "custom", message: `the secret of key ${key.kid} is shorter than 32 characters` });
      keys.push(key);
    }
    return keys;
  })
  .pipe(
    z
      .array(z.object({ kid: z.string(), secret: z.string() }))
      .min(1)
      .max(5),
  )
  .refine((keys) => new Set(keys.map((k) => k.kid)).size === keys.length, { message: "key ids must be unique" });

/** The zod shape of the evidence bindings, merged into the configuration's schema. */
export const evidenceShape = {
  // Default 25 MB per file.
  EVIDENCE_MAX_FILE_BYTES: integer(1, MAX_UPLOAD_BYTES).default(25 * MB),
  // Unset: each organization has its plan's storage. Set: no organization has more (a deployment's ceiling).
  EVIDENCE_MAX_ORG_BYTES: integer(1, Number.MAX_SAFE_INTEGER).optional(),
  // P14: at most 5 minutes.
  EVIDENCE_URL_TTL_SECONDS: integer(10, MAX_URL_TTL_SECONDS).default(MAX_URL_TTL_SECONDS),
} as const;

/** The parsed evidence bindings. */
export type EvidenceBindings = z.infer<z.ZodObject<typeof evidenceShape>>;

/** Evidence settings, without secrets. */
export interface EvidenceConfig {
  /** The largest file by plan, `*` for every plan without its own: handed to SQL, which knows the org's plan. */
  readonly fileBytes: Readonly<Record<string, number>>;
  /** A ceiling on every organization's storage below its plan's (EVIDENCE_MAX_ORG_BYTES); null: the plan's. */
  readonly orgBytesCap: number | null;
  /** How long an upload or download URL lives, 10–300 s. */
  readonly urlTtlSeconds: number;
}

/** The evidence settings from parsed bindings. */
export function evidenceConfig(v: EvidenceBindings): EvidenceConfig {
  return {
    fileBytes: { ...PLAN_FILE_BYTES, "*": v.EVIDENCE_MAX_FILE_BYTES },
    orgBytesCap: v.EVIDENCE_MAX_ORG_BYTES ?? null,
    urlTtlSeconds: v.EVIDENCE_URL_TTL_SECONDS,
  };
}
