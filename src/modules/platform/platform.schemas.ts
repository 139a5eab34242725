/** Response schemas of the platform routes (the single source for types, validation and OpenAPI). */
import { z } from "@hono/zod-openapi";
import { ProblemSchema } from "../../http/schemas";
import { DOCS_ASSET_TYPES } from "./platform.docs";

/** Liveness. */
export const HealthSchema = z.object({ status: z.literal("ok") }).openapi("Health");

/** State of one dependency as readiness reports it. */
export const DependencyStateSchema = z.enum(["up", "down"]).openapi("DependencyState");

/** Each dependency `/readyz` checks. */
export const ReadinessChecksSchema = z.object({ database: DependencyStateSchema, redis: DependencyStateSchema }).openapi("ReadinessChecks");

/** Readiness when every dependency answered. */
export const ReadySchema = z.object({ status: z.literal("ready"), checks: ReadinessChecksSchema }).openapi("Ready");

/** `not_ready` problem: names which dependency is down, never why. */
export const NotReadyProblemSchema = ProblemSchema.extend({ checks: ReadinessChecksSchema }).openapi("NotReadyProblem");

/** The security.txt body (RFC 9116). */
export const SecurityTxtSchema = z.string().openapi({ example: "Contact: mailto:security@example.com\nExpires: 2027-01-01T00:00:00Z\n" });

/** Path parameters of /docs/assets/{file}. */
export const DocsAssetParamsSchema = z.object({
  file: z
    .string()
    .max(64)
    .openapi({ param: { name: "file", in: "path" }, description: `One of ${Object.keys(DOCS_ASSET_TYPES).join(", ")}.` }),
});

/** A JSON Web Key Set of public signing keys. */
export const JwksSchema = z
  .object({
    keys: z.array(
      z.object({
        kty: z.enum(["OKP", "EC"]),
        crv: z.enum(["Ed25519", "P-256"]),
        alg: z.enum(["EdDSA", "ES256"]),
        kid: z.string(),
        use: z.literal("sig"),
        x: z.string(),
        y: z.string().optional(),
      }),
    ),
  })
  .openapi("Jwks");
