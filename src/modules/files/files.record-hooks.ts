/**
 * What evidence files add to the evidence records' generic create and delete
 * (src/modules/records/hooks.ts), declared with the resource:
 * - create: `POST …/evidence` with a `file` (the same declaration as `POST …/files`)
 *   creates the record AND its first, pending version in ONE transaction, and answers
 *   the record with its `upload` URL. The file needs `evidence:write` besides the
 *   records' `write` (checked in that transaction: a key with only `records:write` is
 *   refused, and the record is not created either), and the plan's limits (413: the
 *   record is not created either).
 * - delete: the record's object keys are read in the delete's transaction, before the
 *   cascade removes its versions, and the objects are removed after the commit (a key
 *   that may delete records but not read files still leaves nothing behind).
 */
import { sql } from "drizzle-orm";
import { isAllowedMediaType } from "../../config/evidence";
import { AppError } from "../../http/errors";
import type { RecordHooks } from "../records/hooks";
import { uploadInstructions } from "./files.issue";
import { removeObjects } from "./files.purge";
import { UPLOAD_STEPS } from "./files.routes";
import { FileDeclaration, UploadInstructions, type FileDeclarationInput } from "./files.schemas";
import { checkLimits, insertVersion, recordObjectKeys, type FileRow } from "./files.statements";

/** One statement's answer, as the batch gives it back. */
type Answer<R> = { readonly rows: readonly R[] } | undefined;

export const EVIDENCE_FILE_HOOKS: RecordHooks = {
  create: {
    fields: {
      file: FileDeclaration.optional().openapi({
        description:
          "The record's file: declare it here to get its upload URL in the answer (`upload`). Or later: `POST …/evidence/{id}/files`.",
      }),
    },
    answer: { upload: UploadInstructions.optional().openapi({ description: "Present when a `file` was declared." }) },
    errors: ["file_too_large", "storage_quota_exceeded", "media_type_not_allowed"],
    note: `With a \`file\`, the record and its first version are created together (both or neither), and the answer carries the \`upload\`: ${UPLOAD_STEPS} Declaring a file needs \`evidence:write\` too (API keys: that scope).`,
    work: (c, tx, target, extras) => {
      const file = extras.file as FileDeclarationInput | undefined;
      if (file === undefined) return undefined;
      if (!isAllowedMediaType(file.media_type)) throw new AppError("media_type_not_allowed");
      const principal = c.get("principal");
      const aal = principal?.kind === "user" ? principal.aal : null;
      return {
        statements: [
          tx.execute(sql`select app.authorize('evidence:write', ${aal})`),
          checkLimits(tx, c.env.edge.config, file.size),
          insertVersion(tx, target.org, target.id, file),
        ],
        settle: async (results) => {
          const row = (results[2] as Answer<FileRow>)?.rows[0];
          if (row === undefined) throw new Error("files: the new record's first version was not inserted");
          return { upload: await uploadInstructions(c, target.org, row) };
        },
      };
    },
  },
  delete: {
    note: "Its files go with it: every version, then (after the commit) their stored objects.",
    work: (c, tx, target) => ({
      statements: [recordObjectKeys(tx, target.id)],
      settle: async (results) => {
        const keys = (results[0] as Answer<{ object_key: string }>)?.rows.map((r) => r.object_key) ?? [];
        await removeObjects(c.env.EVIDENCE, keys, c.env.edge.requestId);
      },
    }),
  },
};
