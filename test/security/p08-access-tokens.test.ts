/**
 * P8 Sessions: the access token. Attacks covered: forging an access token (no
 * signature with `alg: none`; an HMAC "signed" with the public key, the classic
 * algorithm-confusion attack; a foreign key presenting the real `kid`); replaying
 * one outside its lifetime (expired, not yet valid, issued too long ago);
 * altering a genuine one (another `sub`, `aal` raised to aal2) or passing off
 * another kind of JWT as an access token (wrong `typ`, `iss`, `aud`, no `sid`);
 * junk and oversized tokens reaching the parser; a retired signing key still
 * opening the API after rotation. And the cost of checking a session: a revoked
 * session's token must be refused before any database work, the revocation read
 * must ride in the one Redis round trip, an unreachable Redis must fail closed
 * (no check = no access), and "last seen" must not turn every request into a write.
 *
 * Tokens are crafted with jose and the test deployment's own key (JWT_SIGNING_KEYS
 * of the test env), for a real user and session, so that each refused token differs
 * from an accepted one by its defect only (the first test shows the crafting itself
 * yields an accepted token).
 */
import {
  base64url,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type JWK,
} from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import type { SigningJwk } from "../../src/config/identity";
import { parseConfig, type Bindings } from "../../src/env";
import { expectProblem } from "../helpers/expect";
import type { SessionAnswer } from "../helpers/identity";
import { expectStatus, get, me, post, sessionOf, sessionRow, signedInUser, type User } from "../helpers/session-client";
import { dbTargets, roundTrips as dbRoundTrips } from "../helpers/tenants";
import { accessTokenFor } from "../helpers/tokens";
import { directRedis, newTag, roundTrips as redisRoundTrips, taggedEnv } from "../helpers/upstash";
import { envWith, testEnv } from "../helpers/worker";

/** The test deployment's signing key (k1). */
const K1: SigningJwk = ((): SigningJwk => {
  const [key] = JSON.parse(testEnv.JWT_SIGNING_KEYS ?? "[]") as SigningJwk[];
  if (key === undefined) throw new Error("the test env has no JWT_SIGNING_KEYS");
  return key;
})();
const parsed = parseConfig(testEnv);
if (!parsed.ok) throw new Error("the test env's config is invalid");
const { issuer: ISSUER, audience: AUDIENCE, accessTtlSeconds: TTL } = parsed.value.identity.jwt;

const now = (): number => Math.floor(Date.now() / 1000);
const privateKey = (jwk: SigningJwk): ReturnType<typeof importJWK> => importJWK(jwk as JWK, jwk.alg);
/** `entries` without the undefined values (a claim or header parameter left out). */
const defined = (entries: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));

/** A token like the deployment's, for `subject`'s session, with the given changes (an `undefined` claim is left out). */
async function forge(
  subject: { userId: string; sessionId: string },
  changes: {
    header?: Readonly<Record<string, string | undefined>>;
    claims?: Record<string, unknown>;
    key?: Awaited<ReturnType<typeof importJWK>>;
  } = {},
): Promise<string> {
  const t = now();
  const claims = defined({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: subject.userId,
    sid: subject.sessionId,
    aal: "aal1",
    amr: ["pwd"],
    iat: t,
    nbf: t,
    exp: t + TTL,
    ...changes.claims,
  });
  const header = { alg: K1.alg, ...defined({ kid: K1.kid, typ: "at+jwt", ...changes.header }) };
  return new SignJWT(claims).setProtectedHeader(header).sign(changes.key ?? (await privateKey(K1)));
}

/** The token with its payload replaced (the signature kept). */
function withPayload(token: string, change: (payload: Record<string, unknown>) => void): string {
  const [header = "", payload = "", signature = ""] = token.split(".");
  const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<string, unknown>;
  change(claims);
  return `${header}.${base64url.encode(JSON.stringify(claims))}.${signature}`;
}

/** An unsigned JWT (`alg: none`) with `signature` as its third part. */
function unsigned(subject: { userId: string; sessionId: string }, signature: string): string {
  const t = now();
  const header = { alg: "none", typ: "at+jwt", kid: K1.kid };
  const claims = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: subject.userId,
    sid: subject.sessionId,
    aal: "aal2",
    amr: ["pwd"],
    iat: t,
    nbf: t,
    exp: t + TTL,
  };
  return `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(claims))}.${signature}`;
}

/** 401 `invalid_token` with a Bearer challenge naming the error (RFC 6750 §3). */
async function expectInvalidToken(response: Response): Promise<void> {
  await expectProblem(response, 401, "invalid_token");
  const challenge = response.headers.get("www-authenticate") ?? "";
  expect(challenge).toMatch(/^Bearer /);
  expect(challenge).toContain('error="invalid_token"');
}

/** A new Ed25519 signing key as JWT_SIGNING_KEYS lists it. */
async function newSigningKey(kid: string): Promise<SigningJwk> {
  const pair = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const jwk = await exportJWK(pair.privateKey);
  return { kty: "OKP", crv: "Ed25519", alg: "EdDSA", kid, x: jwk.x ?? "", d: jwk.d ?? "" };
}

const keysEnv = (keys: readonly SigningJwk[]): Bindings => envWith({ JWT_SIGNING_KEYS: JSON.stringify(keys) });

let alice: User;
let aliceSession: SessionAnswer;
let subject: { userId: string; sessionId: string };

beforeAll(async () => {
  ({ user: alice, session: aliceSession } = await signedInUser());
  subject = { userId: alice.id, sessionId: aliceSession.session_id };
});

describe("P8 access tokens: what a login hands out", () => {
  it("P8: a login's access token is an at+jwt signed with the configured key and algorithm, published in the JWKS", async () => {
    const header = decodeProtectedHeader(aliceSession.access_token);
    expect(header).toEqual({ alg: K1.alg, kid: K1.kid, typ: "at+jwt" });
    expect(["EdDSA", "ES256"]).toContain(header.alg);
    const response = await get("/.well-known/jwks.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toMatch(/^public, max-age=\d+$/);
    const jwks = await response.json<{ keys: (JWK & { kid: string })[] }>();
    expect(jwks.keys.map((k) => k.kid)).toContain(header.kid);
    for (const key of jwks.keys) {
      expect(key).not.toHaveProperty("d");
      expect(key).toMatchObject({ use: "sig" });
    }
    // Anyone can check the token with the published key alone.
    const { payload } = await jwtVerify(aliceSession.access_token, createLocalJWKSet(jwks), {
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: "at+jwt",
    });
    expect(payload.sub).toBe(alice.id);
  });

  it("P8: its claims name the issuer, audience, user, session, assurance level and a lifetime of at most 15 minutes", async () => {
    const claims = decodeJwt(aliceSession.access_token);
    expect(claims).toMatchObject({ iss: ISSUER, aud: AUDIENCE, sub: alice.id, sid: aliceSession.session_id, aal: "aal1", amr: ["pwd"] });
    const { iat = 0, nbf = 0, exp = 0 } = claims;
    expect(Math.abs(iat - now())).toBeLessThan(120);
    expect(nbf).toBeLessThanOrEqual(iat);
    expect(exp - iat).toBeLessThanOrEqual(900);
    expect(exp - iat).toBe(aliceSession.expires_in);
    expect(aliceSession.expires_in).toBeLessThanOrEqual(900);
    const list = await get("/v1/auth/sessions", { token: aliceSession.access_token });
    const { data } = await (await expectStatus(list, 200, "sessions")).json<{ data: { id: string; current: boolean }[] }>();
    expect(data.find((s) => s.current)?.id).toBe(claims.sid);
  });

  it("P8 (refuses): configuration refuses an access-token lifetime above 15 minutes and a symmetric signing key", () => {
    expect(parseConfig(envWith({ ACCESS_TOKEN_TTL_SECONDS: "900" })).ok).toBe(true);
    expect(parseConfig(envWith({ ACCESS_TOKEN_TTL_SECONDS: "901" })).ok).toBe(false);
    const hmacKey = { kty: "oct", alg: "HS256", kid: "shared", k: "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0" };
    expect(parseConfig(envWith({ JWT_SIGNING_KEYS: JSON.stringify([hmacKey]) })).ok).toBe(false);
    // A public key alone cannot sign: the first key must be private.
    const { d: _private, ...publicOnly } = K1;
    expect(parseConfig(envWith({ JWT_SIGNING_KEYS: JSON.stringify([publicOnly]) })).ok).toBe(false);
  });

  it("P8: a token crafted here with the deployment's key and the right claims is accepted (the refusals below differ by one defect)", async () => {
    const response = await me(await forge(subject));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: alice.id, aal: "aal1" });
  });
});

describe("P8 refused access tokens", () => {
  // The public key as PEM (SPKI: the fixed Ed25519 prefix, then the 32 key bytes), what a confused verifier would hold.
  const spkiDer = new Uint8Array([...[0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00], ...base64url.decode(K1.x)]);
  const pem = `-----BEGIN PUBLIC KEY-----\n${btoa(String.fromCharCode(...spkiDer))}\n-----END PUBLIC KEY-----\n`;
  const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
  const cases: [string, () => Promise<string>][] = [
    ["with alg none and an empty signature", () => Promise.resolve(unsigned(subject, ""))],
    ["with alg none and a made-up signature", () => Promise.resolve(unsigned(subject, "c2lnbmF0dXJl"))],
    [
      "signed HS256 with the public key's bytes as the HMAC secret",
      () => forge(subject, { header: { alg: "HS256" }, key: base64url.decode(K1.x) }),
    ],
    ["signed HS256 with the public key's x text as the HMAC secret", () => forge(subject, { header: { alg: "HS256" }, key: utf8(K1.x) })],
    ["signed HS256 with the public key's PEM as the HMAC secret", () => forge(subject, { header: { alg: "HS256" }, key: utf8(pem) })],
    [
      "signed by an unknown key that presents the real kid",
      async () => forge(subject, { key: await privateKey(await newSigningKey(K1.kid)) }),
    ],
    ["whose kid names no configured key", () => forge(subject, { header: { kid: `${K1.kid}-retired` } })],
    ["from another issuer", () => forge(subject, { claims: { iss: "https://attacker.example" } })],
    ["for another audience", () => forge(subject, { claims: { aud: "another-api" } })],
    ["that has expired", () => forge(subject, { claims: { iat: now() - 300, nbf: now() - 300, exp: now() - 60 } })],
    ["whose nbf is in the future", () => forge(subject, { claims: { nbf: now() + 120 } })],
    ["whose iat is in the future", () => forge(subject, { claims: { iat: now() + 120, nbf: now() } })],
    [
      "issued longer ago than the maximum age, even with exp still ahead",
      () => forge(subject, { claims: { iat: now() - TTL - 60, nbf: now() - TTL - 60, exp: now() + 60 } }),
    ],
    ["whose sub was changed after signing", async () => withPayload(await forge(subject), (p) => (p.sub = crypto.randomUUID()))],
    ["whose aal was raised to aal2 after signing", async () => withPayload(await forge(subject), (p) => (p.aal = "aal2"))],
    ["whose typ is JWT instead of at+jwt", () => forge(subject, { header: { typ: "JWT" } })],
    ["without a typ", () => forge(subject, { header: { typ: undefined } })],
    ["without sid", () => forge(subject, { claims: { sid: undefined } })],
    ["whose sub is not a UUID", () => forge(subject, { claims: { sub: "admin" } })],
    ["whose sid is not a UUID", () => forge(subject, { claims: { sid: "1 OR 1=1" } })],
    ["whose aal is unknown", () => forge(subject, { claims: { aal: "aal3" } })],
    ["that is a garbage string", () => Promise.resolve("not-a-token")],
    ["that has three parts of garbage", () => Promise.resolve("a.b.c")],
    ["that is only dots", () => Promise.resolve("..")],
    ["of 10 KB", () => Promise.resolve("A".repeat(10 * 1024))],
    ["shaped like a JWT but 10 KB long", async () => withPayload(await forge(subject), (p) => (p.pad = "x".repeat(10 * 1024)))],
  ];

  it.each(cases)("P8 (refuses): an access token %s is refused with 401 invalid_token", async (_, token) => {
    await expectInvalidToken(await me(await token()));
  });

  it("P8 (refuses): Authorization: Basic is not a bearer token: 401 authentication_required without an error code", async () => {
    const response = await get("/v1/auth/me", { headers: { authorization: `Basic ${btoa(`${alice.email}:${alice.password}`)}` } });
    await expectProblem(response, 401, "authentication_required");
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer /);
    expect(response.headers.get("www-authenticate")).not.toContain("error=");
  });

  it("P8 (refuses): a request without Authorization gets 401 authentication_required with a Bearer challenge", async () => {
    const response = await get("/v1/auth/me");
    await expectProblem(response, 401, "authentication_required");
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="rampart"');
  });
});

describe("P8 signing-key rotation", () => {
  it("P8: after rotation old tokens verify until the old key is removed, new tokens use the new key, the JWKS lists both", async () => {
    const k2 = await newSigningKey(`k2-${crypto.randomUUID()}`);
    const envA = keysEnv([K1]);
    const envB = keysEnv([k2, K1]);
    const envC = keysEnv([k2]);
    const oldToken = await accessTokenFor(subject, envA);
    expect(decodeProtectedHeader(oldToken).kid).toBe(K1.kid);

    // B: k2 signs, k1 still verifies.
    expect((await me(oldToken, { env: envB })).status).toBe(200);
    const fresh = await sessionOf(alice, { env: envB });
    expect(decodeProtectedHeader(fresh.access_token)).toMatchObject({ alg: "EdDSA", kid: k2.kid });
    expect((await me(fresh.access_token, { env: envB })).status).toBe(200);
    const jwks = await (await get("/.well-known/jwks.json", { env: envB })).json<{ keys: (JWK & { kid: string })[] }>();
    expect(jwks.keys.map((k) => k.kid)).toEqual([k2.kid, K1.kid]);
    expect(jwks.keys.map((k) => k.x)).toEqual([k2.x, K1.x]);
    for (const key of jwks.keys) expect(key).not.toHaveProperty("d");
    // A deployment that does not know k2 yet refuses its tokens.
    await expectInvalidToken(await me(fresh.access_token, { env: envA }));

    // C: k1 removed: its tokens are refused, k2's still work.
    await expectInvalidToken(await me(oldToken, { env: envC }));
    expect((await me(fresh.access_token, { env: envC })).status).toBe(200);
  });
});

describe("P8 the cost of checking a session", () => {
  /**
   * The worker's database config counting under `tag`. The driver's endpoint is kept per
   * connection-string host and the app builds one client per config, so the tagged config
   * gets a host of its own (the stand-in ignores the host); with the same host, the
   * untagged requests made later in this isolate would go to the tagged endpoint too.
   */
  const taggedNeon = (tag: string): Bindings => {
    const url = new URL((testEnv.DATABASE_URL ?? "").replace(/^postgres(?:ql)?:/, "http:"));
    url.hostname = `${tag}.neon.invalid`;
    return envWith({
      DATABASE_URL: url.toString().replace(/^http:/, "postgresql:"),
      NEON_HTTP_ENDPOINT: `${testEnv.NEON_HTTP_ENDPOINT ?? ""}?tag=${tag}`,
      NEON_WS_PROXY: `${testEnv.NEON_WS_PROXY ?? ""}?tag=${tag}`,
    });
  };
  const [db] = dbTargets();

  it("P8: an authenticated GET /v1/auth/sessions costs exactly one Redis round trip: revocation, limits and last-seen together, revoked or not", async () => {
    const { session } = await signedInUser();
    // Scripts are loaded once per Redis (NOSCRIPT → EVAL): warm them up outside the count.
    await expectStatus(await get("/v1/auth/sessions", { token: (await signedInUser()).session.access_token }), 200, "warm-up");
    const tag = newTag("p08-redis");
    const env = taggedEnv(tag);
    await expectStatus(await get("/v1/auth/sessions", { token: session.access_token, env }), 200, "sessions");
    expect(await redisRoundTrips(tag)).toBe(1);
    await expectStatus(await get("/v1/auth/sessions", { token: session.access_token, env }), 200, "sessions");
    expect(await redisRoundTrips(tag)).toBe(2);
    // Revoked: the same single round trip is what refuses it.
    await expectStatus(await post("/v1/auth/logout", undefined, { token: session.access_token }), 204, "logout");
    await expectInvalidToken(await get("/v1/auth/sessions", { token: session.access_token, env }));
    expect(await redisRoundTrips(tag)).toBe(3);
  });

  it("P8: authentication costs no database round trip: a live session reaches its handler with none spent, a revoked one is refused with none", async () => {
    if (db === undefined) throw new Error("no database target");
    const { session } = await signedInUser();
    const tag = newTag("p08-db");
    const env = taggedNeon(tag);
    // First request of the minute: the handler's one transaction and the last-seen write after the response.
    await expectStatus(await get("/v1/auth/sessions", { token: session.access_token, env }), 200, "sessions");
    expect(await dbRoundTrips(db, tag)).toBe(2);
    // Within the minute: the handler's transaction only, so nothing before it.
    await expectStatus(await get("/v1/auth/sessions", { token: session.access_token, env }), 200, "sessions");
    expect(await dbRoundTrips(db, tag)).toBe(3);
    await expectStatus(await post("/v1/auth/logout", undefined, { token: session.access_token }), 204, "logout");
    await expectInvalidToken(await get("/v1/auth/sessions", { token: session.access_token, env }));
    await expectInvalidToken(await me(session.access_token, { env }));
    expect(await dbRoundTrips(db, tag)).toBe(3);
  });

  it("P8 (refuses): with Redis unreachable an authenticated request fails closed with 503 (no revocation check, no access)", async () => {
    const { user, session } = await signedInUser();
    const down = envWith({ UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9" });
    for (const path of ["/v1/auth/me", "/v1/auth/sessions"]) {
      const response = await get(path, { token: session.access_token, env: down });
      await expectProblem(response, 503, "auth_unavailable");
      expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    // A route whose limits fail closed refuses first, with the limiter's code.
    const change = await post(
      "/v1/auth/password",
      { current_password: user.password, new_password: `${user.password} 2` },
      { token: session.access_token, env: down },
    );
    await expectProblem(change, 503, "rate_limit_unavailable");
    // The same token works once Redis answers again.
    expect((await me(session.access_token)).status).toBe(200);
  });

  it("P8: last_seen_at is written at most once a minute: two requests leave one rs:seen key and move it once", async () => {
    const { session } = await signedInUser();
    const sid = session.session_id;
    const before = (await sessionRow(sid)).last_seen_at;
    await expectStatus(await me(session.access_token), 200, "me");
    const first = await lastSeenAfter(sid, before);
    expect(first).not.toBe(before);
    await expectStatus(await me(session.access_token), 200, "me");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await sessionRow(sid)).last_seen_at).toBe(first);
    const redis = directRedis();
    expect(await redis.keys(`rs:seen:${sid}*`)).toEqual([`rs:seen:${sid}`]);
    const ttl = await redis.ttl(`rs:seen:${sid}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });
});

/** Polls (the write happens after the response) until session `sid`'s last_seen_at differs from `before`; returns it. */
async function lastSeenAfter(sid: string, before: string): Promise<string> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const seen = (await sessionRow(sid)).last_seen_at;
    if (seen !== before || Date.now() > deadline) return seen;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
