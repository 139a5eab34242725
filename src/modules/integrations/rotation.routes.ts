/**
 * The re-encryption job (P10): after a new data-key version is put first in
 * DATA_ENCRYPTION_KEYS and deployed, a platform administrator (aal2) runs this until
 * `next_after` is null; afterwards the old version can be removed. Each call is one
 * batch: resumable (pass `next_after` back as `after`; or start over: finished rows are
 * skipped), idempotent (a second run re-seals nothing), and safe next to live traffic
 * (a row refreshed meanwhile keeps its newer tokens and is picked up by the next pass).
 */
import { z } from "@hono/zod-openapi";
import { defineRoute } from "../../pipeline/route";
import { json, jsonBody } from "../../http/schemas";

export const ReencryptBody = z
  .strictObject({
    batch_size: z.number().int().min(1).max(500).default(100).openapi({ description: "Connections per call (1–500)." }),
    after: z.uuid().optional().openapi({ description: "Resume after this organization id (the previous answer's `next_after`)." }),
  })
  .openapi("ReencryptRequest");

export const ReencryptResult = z
  .object({
    key_version: z.string().openapi({ description: "The newest data-key version, which every secret is moved to.", example: "v2" }),
    resealed: z.number().int().openapi({ description: "Connections re-encrypted by this call." }),
    unreadable: z.array(z.uuid()).openapi({
      description:
        "Organizations whose secrets no listed key opens (sealed under a version already removed, or tampered): left as they are; their next use marks the connection broken.",
    }),
    remaining: z
      .number()
      .int()
      .openapi({ description: "Connections still holding a secret under an older version (the unreadable included)." }),
    next_after: z.uuid().nullable().openapi({ description: "Pass as `after` to continue; null when this pass is complete." }),
  })
  .openapi("ReencryptResult");

export const reencryptRoute = defineRoute(
  {
    method: "post",
    path: "/v1/admin/data-keys/reencrypt",
    operationId: "reencryptIntegrationSecrets",
    tags: ["admin"],
    summary: "Re-encrypt integration secrets under the newest data key",
    description:
      "Platform super administrators, aal2. One batch of bank connections whose tokens are sealed under an older key version: each secret is opened and sealed again under the newest version with a fresh data key. Repeat with `after` until `next_after` is null.",
    request: jsonBody(ReencryptBody),
    responses: { 200: json("The batch", ReencryptResult) },
  },
  { auth: { principals: ["user"], superAdmin: true }, bodyLimit: 1024 },
);
