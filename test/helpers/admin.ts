/**
 * Platform administration in tests: super administrators (flagged in the database, as
 * `npm run admin:grant` does, with aal2 and aal1 tokens carrying the claim), requests through
 * an app built here (so the after-response events are stored when a request returns), and a
 * walk of the served OpenAPI document: every operation, with path parameters, required
 * query parameters, headers and a JSON body built from the document's own schemas.
 */
import { createApp } from "../../src/app";
import { ownerQuery, randomIp } from "./identity-ip";
import { person } from "./orgs";
import { accessTokenFor } from "./tokens";
import type { OpenApiDocument, Schema } from "./openapi";
import { callApp } from "./worker";

/** The app the admin tests call (its `waitUntil` work is awaited by `callApp`). */
export const adminApp = createApp();

/** A super administrator with an aal2 token and an aal1 one, both claiming the role. */
export async function superAdmin(): Promise<{ id: string; aal2: string; aal1: string }> {
  const admin = await person("platform");
  await ownerQuery("update users set is_super_admin = true where id = $1", [admin.id]);
  return {
    id: admin.id,
    aal2: await accessTokenFor({ userId: admin.id, aal: "aal2", amr: ["pwd", "otp", "mfa"], superAdmin: true }),
    aal1: await accessTokenFor({ userId: admin.id, aal: "aal1", amr: ["pwd"], superAdmin: true }),
  };
}

/** A request through {@link adminApp}, from an address of its own; resolves once its after-response work is done. */
export function send(
  method: string,
  path: string,
  token?: string,
  body?: unknown,
  extra: Record<string, string> = {},
  ip: string = randomIp(),
): Promise<Response> {
  const headers: Record<string, string> = { "cf-connecting-ip": ip, ...extra };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined && headers["content-type"] === undefined) headers["content-type"] = "application/json";
  const payload = body === undefined ? {} : { body: typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body) };
  return callApp(adminApp, path, { method, headers, redirect: "manual", ...payload });
}

// ── The OpenAPI document as data ─────────────────────────────────────────────────

/** The document as the walk reads it. */
export type Document = OpenApiDocument;

/** One operation of the document, ready to send. */
export interface WalkedOperation {
  readonly method: string;
  /** The documented path, e.g. `/v1/orgs/{org}/risks/{id}`. */
  readonly template: string;
  /** Whether the operation accepts API keys (its `security` lists `apiKey`). */
  readonly acceptsApiKey: boolean;
  /** The concrete path and query, for these path values. */
  readonly target: (values: Record<string, string>) => string;
  readonly headers: Record<string, string>;
  /** The body, when the operation takes one (JSON text, or bytes for a non-JSON media type). */
  readonly body?: string | Uint8Array;
}

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

function resolve(document: Document, schema: Schema | undefined): Schema {
  let current = schema ?? {};
  for (let depth = 0; typeof current.$ref === "string" && depth < 20; depth++) {
    const name = current.$ref.replace("#/components/schemas/", "");
    current = document.components?.schemas?.[name] ?? {};
  }
  return current;
}

/** A string for a schema: its example or enum, else one its format, length and pattern accept. */
function sampleString(schema: Schema): string {
  if (typeof schema.example === "string") return schema.example;
  if (Array.isArray(schema.enum) && typeof schema.enum[0] === "string") return schema.enum[0];
  switch (schema.format) {
    case "uuid":
      return crypto.randomUUID();
    case "date-time":
      return new Date(Date.now() + 86_400_000).toISOString();
    case "date":
      return new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    case "email":
      return `someone+${crypto.randomUUID().slice(0, 8)}@example.org`;
    case "uri":
    case "url":
      return "https://example.org/";
    default:
      break;
  }
  if (typeof schema.pattern === "string" && /^\^?\[0-9a-f\]\{64\}\$?$/.test(schema.pattern)) return "0".repeat(64);
  const min = typeof schema.minLength === "number" ? schema.minLength : 1;
  const max = typeof schema.maxLength === "number" ? schema.maxLength : 40;
  return "Suspension walk".padEnd(Math.max(min, 1), "x").slice(0, Math.max(max, 1));
}

/** A value the schema accepts (examples first), for the JSON bodies and parameters of the walk. */
export function sample(document: Document, raw: Schema | undefined, depth = 0): unknown {
  const schema = resolve(document, raw);
  if (depth > 8) return null;
  if ("example" in schema && schema.example !== undefined && schema.type !== "object") return schema.example;
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  for (const key of ["oneOf", "anyOf"] as const) {
    const options = schema[key];
    if (Array.isArray(options)) {
      const choice = (options as Schema[]).find((o) => resolve(document, o).type !== "null") ?? (options[0] as Schema);
      return sample(document, choice, depth + 1);
    }
  }
  if (Array.isArray(schema.allOf)) {
    return Object.assign({}, ...(schema.allOf as Schema[]).map((part) => sample(document, part, depth + 1) as object));
  }
  const type = Array.isArray(schema.type) ? (schema.type as string[]).find((t) => t !== "null") : schema.type;
  switch (type) {
    case "string":
      return sampleString(schema);
    case "integer":
    case "number":
      return typeof schema.minimum === "number"
        ? schema.minimum
        : typeof schema.exclusiveMinimum === "number"
          ? schema.exclusiveMinimum + 1
          : 1;
    case "boolean":
      return false;
    case "array": {
      const count = typeof schema.minItems === "number" ? schema.minItems : 0;
      return Array.from({ length: count }, () => sample(document, schema.items as Schema, depth + 1));
    }
    case "object":
    case undefined: {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      // An update body requires nothing but refuses an empty change: then its first property is sent.
      const required = new Set((schema.required ?? Object.keys(properties).slice(0, 1)) as string[]);
      return Object.fromEntries(
        Object.entries(properties)
          .filter(([name]) => required.has(name))
          .map(([name, property]) => [name, sample(document, property, depth + 1)]),
      );
    }
    default:
      return null;
  }
}

/** Every operation whose path starts with `prefix`, each with its sample request. */
export function operationsUnder(document: Document, prefix: string): WalkedOperation[] {
  const walked: WalkedOperation[] = [];
  for (const [template, item] of Object.entries(document.paths)) {
    if (!template.startsWith(prefix)) continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      const parameters = operation.parameters ?? [];
      const query = parameters
        .filter((p) => p.in === "query" && p.required === true)
        .map((p) => `${encodeURIComponent(p.name)}=${encodeURIComponent(String(sample(document, p.schema)))}`);
      const headers: Record<string, string> = Object.fromEntries(
        parameters.filter((p) => p.in === "header" && p.required === true).map((p) => [p.name, String(sample(document, p.schema))]),
      );
      const pathSamples = Object.fromEntries(
        parameters.filter((p) => p.in === "path").map((p) => [p.name, String(sample(document, p.schema))]),
      );
      const content = operation.requestBody?.content ?? {};
      const mediaType = Object.keys(content)[0];
      let body: string | Uint8Array | undefined;
      if (mediaType !== undefined) {
        headers["content-type"] = mediaType;
        body = mediaType.includes("json") ? JSON.stringify(sample(document, content[mediaType]?.schema)) : new Uint8Array(16);
      }
      walked.push({
        method: method.toUpperCase(),
        template,
        acceptsApiKey: (operation.security ?? []).some((s) => "apiKey" in s),
        target: (values) =>
          template.replace(/\{([^}]+)\}/g, (_, name: string) =>
            encodeURIComponent(values[name] ?? pathSamples[name] ?? crypto.randomUUID()),
          ) + (query.length > 0 ? `?${query.join("&")}` : ""),
        headers,
        ...(body === undefined ? {} : { body }),
      });
    }
  }
  return walked;
}

/** The served OpenAPI document. */
export async function servedDocument(): Promise<Document> {
  const response = await send("GET", "/openapi.json");
  if (response.status !== 200) throw new Error(`GET /openapi.json answered ${response.status}`);
  return response.json<Document>();
}
