/**
 * The bank connection's OAuth `state` (P18, P12): single-use, 10 minutes, bound to the
 * session and browser that started it, and to its organization.
 *
 * - `state` is `<org id>.<256 random bits>`; Redis keeps it under
 *   `oauth:bank:org:<org id>:state:<SHA-256 of the state>` (the key carries the tenant,
 *   P12; Redis never holds the state itself), for 600 s, with the user, the session,
 *   its assurance level, the redirect URI and the PKCE verifier (sealed with the data
 *   key, bound to that state).
 * - The browser gets `__Host-rampart-bank-oauth=<session id>.<nonce>` (HttpOnly, Secure,
 *   SameSite=Lax so the bank's redirect brings it, Path=/, 10 minutes); the record keeps
 *   the nonce's SHA-256. A callback must bring the same cookie: a state replayed from
 *   another browser or session is refused.
 * - The callback takes the record with GETDEL, so it works once, whatever follows; the
 *   same pipeline asks whether the session was revoked meanwhile: one Redis round trip.
 */
import { z } from "zod";
import type { Config } from "../../env";
import { open, seal } from "../../crypto/aead";
import { base64url, randomBytes, utf8 } from "../../lib/encoding";
import { REVOKED_SESSION_PREFIX } from "../../pipeline/authenticate";
import { createRedis } from "../../redis";

/** How long a started connection may take (P18). */
export const STATE_TTL_SECONDS = 600;
/** The browser-binding cookie. */
export const BINDING_COOKIE = "__Host-rampart-bank-oauth";

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const STATE = new RegExp(`^(${UUID})\\.([\\w-]{43})$`);
const BINDING = new RegExp(`^(${UUID})\\.([\\w-]{43})$`);

const StateRecord = z.object({
  v: z.literal(1),
  user: z.uuid(),
  session: z.uuid(),
  aal: z.enum(["aal1", "aal2"]),
  binding: z.string().max(64),
  verifier: z.string().max(400),
  redirect_uri: z.url().max(500),
  expires_at: z.number().int(),
});

/** Who started a connection, and where the bank sends the browser back to. */
export interface StateOwner {
  readonly orgId: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly aal: "aal1" | "aal2";
  readonly redirectUri: string;
}

/** A state not yet stored: its value, the cookie that binds it, and its record. */
export interface NewState {
  readonly state: string;
  readonly cookie: string;
  readonly store: () => Promise<void>;
}

/** Why a callback's state was refused (logged; the client only sees `invalid_oauth_state`). */
export type StateRefusal = "malformed" | "unknown" | "foreign_session" | "session_revoked";

export type ConsumedState =
  | ({ readonly ok: true; readonly verifier: string } & StateOwner)
  | { readonly ok: false; readonly reason: StateRefusal; readonly orgId?: string };

const sha256 = async (text: string): Promise<string> => base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8.encode(text))));

/** P12: the key of a state carries its organization. */
export const stateKey = (orgId: string, digest: string): string => `oauth:bank:org:${orgId}:state:${digest}`;
const verifierContext = (digest: string): string => `bank-oauth-verifier:${digest}`;

function redis(config: Config) {
  return createRedis(config.redis, { retry: false, signal: () => AbortSignal.timeout(config.rateLimit.timeoutMs * 2) });
}

/**
 * A fresh state for `owner` with its PKCE `verifier`; `store()` writes it to Redis (after
 * the bank's URL is known, so a bank outage leaves nothing behind).
 */
export async function newState(config: Config, owner: StateOwner, verifier: string): Promise<NewState> {
  const state = `${owner.orgId}.${base64url(randomBytes(32))}`;
  const nonce = base64url(randomBytes(32));
  const digest = await sha256(state);
  const record: z.infer<typeof StateRecord> = {
    v: 1,
    user: owner.userId,
    session: owner.sessionId,
    aal: owner.aal,
    binding: await sha256(nonce),
    verifier: await seal(config.secrets.dataEncryptionKeys, verifier, verifierContext(digest)),
    redirect_uri: owner.redirectUri,
    expires_at: Date.now() + STATE_TTL_SECONDS * 1000,
  };
  return {
    state,
    cookie: `${owner.sessionId}.${nonce}`,
    store: async () => {
      const answer = await redis(config).set(stateKey(owner.orgId, digest), record, { ex: STATE_TTL_SECONDS, nx: true });
      if (answer !== "OK") throw new Error("the OAuth state could not be stored");
    },
  };
}

/** JSON text as a value, or `undefined` (the client deserializes JSON itself; text here was never ours). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not a record this module wrote: treated as unknown by the schema check.
    return undefined;
  }
}

/** Constant-time comparison of two equal-length digests. */
function sameDigest(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Takes a callback's state (it is gone afterwards, whatever the outcome) and checks it
 * against the browser's binding cookie and the session's revocation mark.
 */
export async function consumeState(config: Config, state: string, cookie: string | undefined): Promise<ConsumedState> {
  const parsed = STATE.exec(state);
  if (parsed?.[1] === undefined) return { ok: false, reason: "malformed" };
  const orgId = parsed[1];
  const digest = await sha256(state);
  const binding = BINDING.exec(cookie ?? "");
  const pipeline = redis(config).pipeline();
  pipeline.getdel(stateKey(orgId, digest));
  if (binding?.[1] !== undefined) pipeline.exists(`${REVOKED_SESSION_PREFIX}${binding[1]}`);
  const [stored, revoked] = await pipeline.exec<[unknown, number | undefined]>();
  const record = StateRecord.safeParse(typeof stored === "string" ? parseJson(stored) : stored);
  if (!record.success || record.data.expires_at < Date.now()) return { ok: false, reason: "unknown", orgId };
  const nonce = binding?.[2];
  if (binding?.[1] !== record.data.session || nonce === undefined || !sameDigest(await sha256(nonce), record.data.binding)) {
    return { ok: false, reason: "foreign_session", orgId };
  }
  if (revoked === 1) return { ok: false, reason: "session_revoked", orgId };
  const verifier = await open(config.secrets.dataEncryptionKeys, record.data.verifier, verifierContext(digest));
  // Sealed for this state under a data key since retired: as good as unknown.
  if (verifier === undefined) return { ok: false, reason: "unknown", orgId };
  return {
    ok: true,
    orgId,
    userId: record.data.user,
    sessionId: record.data.session,
    aal: record.data.aal,
    redirectUri: record.data.redirect_uri,
    verifier,
  };
}
