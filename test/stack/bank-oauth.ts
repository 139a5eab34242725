/**
 * Stand-in for the bank's OAuth2 authorization server: `oauth2-mock-server` (discovery,
 * JWKS, authorize with auto-approval, token, userinfo, introspection), made as strict as
 * a bank on the points Rampart must get right:
 * - PKCE is required: an authorization-code grant without `code_verifier` is refused
 *   (the package checks a verifier only when one is sent), and the package itself refuses
 *   a wrong verifier and a code used twice;
 * - the client must authenticate (HTTP Basic with the configured id and secret);
 * - refresh tokens rotate: each works once, then `invalid_grant`, like one never issued
 *   or revoked; revocation (RFC 7009) is served here and kills the token;
 * - the authorization response carries `iss` (RFC 9207), and discovery says so;
 * - every token has a `jti`, so no two are alike.
 * The issuer is `http://127.0.0.1:<port>` (the package would say `localhost`).
 * Control routes: GET /__rampart/stats, POST /__rampart/stats/reset, GET
 * /__rampart/requests: path, grant type, client, and the SHA-256 (hex, 32 characters)
 * of the credential presented (the code, refresh token, bearer or revoked token) and of
 * the refresh token issued, so that test files sharing the stand-in can pick out their
 * own requests without the stand-in ever showing a token.
 */
import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Events, OAuth2Issuer, OAuth2Service, type MutableRedirectUri, type MutableResponse, type MutableToken } from "oauth2-mock-server";
import { CONTROL_PREFIX, type ListenOptions, type RoundTripStats, type StandIn } from "./types.ts";

export interface BankOAuthOptions extends ListenOptions {
  readonly clientId: string;
  readonly clientSecret: string;
}

/** One request the stand-in received (no secrets). */
export interface BankRequest {
  readonly method: string;
  readonly path: string;
  readonly grantType?: string;
  readonly client?: string;
  readonly status: number;
  /** Digest of the credential presented: the code, the refresh token, the bearer token or the token revoked. */
  readonly subject?: string;
  /** Digest of the refresh token issued in the answer. */
  readonly issued?: string;
}

export interface BankOAuth extends StandIn {
  /** The issuer identifier (BANK_ISSUER). */
  readonly issuer: string;
  readonly clientId: string;
  requests(): readonly BankRequest[];
  /** How many refresh tokens are live (issued, not used, not revoked). */
  liveRefreshTokens(): number;
}

const MAX_BODY = 16 * 1024;

/** What the requests list shows of a credential. */
export const digestOf = (value: string): string => createHash("sha256").update(value).digest("hex").slice(0, 32);

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error("body too large");
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/** The client id of HTTP Basic credentials when they match, else undefined. */
function basicClient(header: string | undefined, clientId: string, clientSecret: string): string | undefined {
  const encoded = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? "")?.[1];
  if (encoded === undefined) return undefined;
  const [id = "", secret = ""] = Buffer.from(encoded, "base64").toString("utf8").split(":").map(decodeURIComponent);
  return id === clientId && secret === clientSecret ? id : undefined;
}

export async function startBankOAuth(options: BankOAuthOptions): Promise<BankOAuth> {
  const issuer = new OAuth2Issuer();
  await issuer.keys.generate("RS256");
  const service = new OAuth2Service(issuer);
  const liveRefresh = new Set<string>();
  const seen: BankRequest[] = [];
  let httpRequests = 0;

  service.on(Events.BeforeWellKnownOpenIdConfiguration, (response: MutableResponse) => {
    if (response.body === "") return;
    Object.assign(response.body, {
      authorization_response_iss_parameter_supported: true,
      token_endpoint_auth_methods_supported: ["client_secret_basic"],
      code_challenge_methods_supported: ["S256"],
    });
  });
  // Every token is unique (two issued in the same second would otherwise be the same JWT).
  service.on(Events.BeforeTokenSigning, (token: MutableToken) => {
    token.payload.jti = randomUUID();
  });
  // The scope granted is the scope asked for at authorization (the package would answer "dummy").
  const scopeOfCode = new Map<string, string>();
  const scopeOfRefresh = new Map<string, string>();
  service.on(Events.BeforeAuthorizeRedirect, (redirect: MutableRedirectUri, req: IncomingMessage & { query?: Record<string, unknown> }) => {
    redirect.url.searchParams.set("iss", issuer.url ?? "");
    const code = redirect.url.searchParams.get("code");
    const scope = req.query?.scope;
    if (code !== null && typeof scope === "string") scopeOfCode.set(code, scope);
  });
  /** Digests of the refresh tokens issued, by the request that got them (read when it finishes). */
  const issuedBy = new WeakMap<IncomingMessage, string>();
  service.on(Events.BeforeResponse, (response: MutableResponse, req: IncomingMessage & { body?: Record<string, unknown> }) => {
    const body = req.body ?? {};
    const refuse = (status: number, error: string, description: string): void => {
      response.statusCode = status;
      response.body = { error, error_description: description };
    };
    if (basicClient(req.headers.authorization, options.clientId, options.clientSecret) === undefined) {
      refuse(401, "invalid_client", "client authentication failed");
      return;
    }
    if (body.grant_type === "authorization_code" && typeof body.code_verifier !== "string") {
      refuse(400, "invalid_grant", "PKCE is required: code_verifier missing");
      return;
    }
    if (body.grant_type === "refresh_token") {
      const presented = typeof body.refresh_token === "string" ? body.refresh_token : "";
      if (!liveRefresh.delete(presented)) {
        refuse(400, "invalid_grant", "refresh token unknown, used or revoked");
        return;
      }
    }
    if (response.body === "") return;
    const granted =
      body.grant_type === "authorization_code" && typeof body.code === "string"
        ? scopeOfCode.get(body.code)
        : typeof body.refresh_token === "string"
          ? scopeOfRefresh.get(body.refresh_token)
          : undefined;
    if (granted !== undefined) response.body.scope = granted;
    const issued = response.body.refresh_token;
    if (typeof issued === "string") {
      if (granted !== undefined) scopeOfRefresh.set(issued, granted);
      liveRefresh.add(issued);
      issuedBy.set(req, digestOf(issued));
    }
  });

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      if (url.pathname === `${CONTROL_PREFIX}/stats`) sendJson(res, 200, { httpRequests, wsConnections: 0 });
      else if (url.pathname === `${CONTROL_PREFIX}/stats/reset`) {
        httpRequests = 0;
        sendJson(res, 200, { ok: true });
      } else if (url.pathname === `${CONTROL_PREFIX}/requests`) sendJson(res, 200, seen);
      else sendJson(res, 404, { error: "not_found" });
      return;
    }
    httpRequests++;
    const record = (entry: Omit<BankRequest, "method" | "path" | "status">) => {
      res.once("finish", () => seen.push({ method: req.method ?? "", path: url.pathname, status: res.statusCode, ...entry }));
    };
    if (req.method === "POST" && url.pathname === "/revoke") {
      // RFC 7009: the client authenticates; the token dies; 200 whether or not it was known.
      void readForm(req).then(
        (form) => {
          const client = basicClient(req.headers.authorization, options.clientId, options.clientSecret);
          const token = form.get("token");
          record({ ...(client ? { client } : {}), ...(token ? { subject: digestOf(token) } : {}) });
          if (client === undefined) return sendJson(res, 401, { error: "invalid_client" });
          liveRefresh.delete(form.get("token") ?? "");
          res.writeHead(200).end();
        },
        () => sendJson(res, 400, { error: "invalid_request" }),
      );
      return;
    }
    if (req.method === "POST" && url.pathname === "/token") {
      // The grant type is read by the package; it is recorded from its parsed body once answered.
      res.once("finish", () => {
        const body = (req as IncomingMessage & { body?: Record<string, unknown> }).body ?? {};
        const credential = body.grant_type === "refresh_token" ? body.refresh_token : body.code;
        const issued = issuedBy.get(req);
        seen.push({
          method: "POST",
          path: "/token",
          status: res.statusCode,
          ...(typeof body.grant_type === "string" ? { grantType: body.grant_type } : {}),
          ...(typeof credential === "string" ? { subject: digestOf(credential) } : {}),
          ...(issued === undefined ? {} : { issued }),
        });
      });
    } else {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      record(bearer === undefined ? {} : { subject: digestOf(bearer) });
    }
    service.requestHandler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  issuer.url = url;
  return {
    url,
    issuer: url,
    clientId: options.clientId,
    requests: () => seen,
    liveRefreshTokens: () => liveRefresh.size,
    stats: (): RoundTripStats => ({ httpRequests, wsConnections: 0 }),
    resetStats: () => void (httpRequests = 0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
