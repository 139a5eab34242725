/**
 * P10 for API keys: a key is shown once, at creation, and Rampart keeps only its
 * keyed digest. The attack: a copy of the database (a leaked backup, the app's own
 * role, an SQL injection elsewhere) or of the logs used to act as a machine client,
 * or to test guessed keys offline. After a key's whole life through the real worker
 * (created, used, used on a route that refuses it, revoked, used again, and an
 * unknown key tried), every text column of every table is searched as the database
 * owner for the key (and a distinctive slice of it), every log line is searched too,
 * and the stored digest and id are checked against independent WebCrypto computations
 * under the test deployment's API_KEY_HASH_SECRET.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { newApiKey } from "../../src/crypto/api-keys";
import { digestOf, toBase64url, toHex, whereStored } from "../helpers/auth-requests";
import { expectProblem } from "../helpers/expect";
import { ownerQuery } from "../helpers/identity-ip";
import { workerDb } from "../helpers/identity";
import { captureLogs } from "../helpers/logs";
import { api, orgWithRoles } from "../helpers/orgs";
import { asApp, dbError } from "../helpers/tenants";
import { testEnv } from "../helpers/worker";

interface CreatedKey {
  id: string;
  prefix: string;
  key: string;
}

/** HMAC-SHA-256 under API_KEY_HASH_SECRET of `<domain>` NUL `<message>`, computed here with WebCrypto. */
async function keyedHmac(domain: string, message: string): Promise<Uint8Array> {
  const secret = testEnv.API_KEY_HASH_SECRET;
  if (secret === undefined || secret.length < 32) throw new Error("the test env has no API_KEY_HASH_SECRET");
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${domain}\u0000${message}`)));
}

/** The middle of a key: a copy of part of it is a leak too. */
const slice = (key: string): string => key.slice(20, 44);

describe("P10 API keys are stored as keyed digests only", () => {
  const flow = { orgId: "", created: { id: "", prefix: "", key: "" }, unknown: "", raw: [] as string[] };

  beforeAll(async () => {
    const logs = captureLogs();
    try {
      const { orgId, people } = await orgWithRoles();
      flow.orgId = orgId;
      const response = await api("POST", `/v1/orgs/${orgId}/api-keys`, people.admin.token, {
        name: "backup job",
        scopes: ["records:read"],
      });
      expect(response.status).toBe(201);
      flow.created = await response.json<CreatedKey>();
      expect((await api("GET", `/v1/orgs/${orgId}`, flow.created.key)).status).toBe(200);
      await expectProblem(await api("GET", "/v1/auth/me", flow.created.key), 401, "invalid_token");
      await expectProblem(await api("PATCH", `/v1/orgs/${orgId}`, flow.created.key, { name: "x" }), 401, "invalid_token");
      expect((await api("GET", `/v1/orgs/${orgId}/api-keys`, people.owner.token)).status).toBe(200);
      expect((await api("DELETE", `/v1/orgs/${orgId}/api-keys/${flow.created.id}`, people.owner.token)).status).toBe(204);
      await expectProblem(await api("GET", `/v1/orgs/${orgId}`, flow.created.key), 401, "invalid_token");
      flow.unknown = newApiKey();
      await expectProblem(await api("GET", `/v1/orgs/${orgId}`, flow.unknown), 401, "invalid_token");
      // "Last used" is written after the first answer: let it land before searching.
      await new Promise((resolve) => setTimeout(resolve, 500));
      flow.raw = logs.raw();
    } finally {
      logs.restore();
    }
  }, 60_000);

  it("P10: no column of any table holds the key, or a slice of it", async () => {
    expect(await whereStored({ key: flow.created.key, "key slice": slice(flow.created.key) })).toEqual([]);
    // The search does see the key's row: its non-secret prefix is found where it belongs.
    expect(await whereStored({ prefix: flow.created.prefix })).toEqual(expect.arrayContaining(["prefix in public.api_keys.prefix"]));
  });

  it("P10: api_keys.key_digest is an HMAC under API_KEY_HASH_SECRET (43 base64url characters), not the key or its SHA-256", async () => {
    const [row] = await ownerQuery("select id, key_digest, prefix, last_used_at from api_keys where id = $1", [flow.created.id]);
    const digest = String(row?.key_digest);
    expect(digest).toMatch(/^[\w-]{43}$/);
    expect(digest).toBe(toBase64url(await keyedHmac("digest:api_key", flow.created.key)));
    const sha = await digestOf("SHA-256", flow.created.key);
    expect([toHex(sha), toBase64url(sha)]).not.toContain(digest);
    expect(row?.prefix).toBe(flow.created.key.slice(0, 14));
    expect(row?.last_used_at).not.toBeNull();
  });

  it("P10: the key's id is derived from the digest (a UUID from an HMAC of it), so it tells nothing of the key", async () => {
    const [row] = await ownerQuery("select key_digest from api_keys where id = $1", [flow.created.id]);
    const bytes = (await keyedHmac("api_key_id", String(row?.key_digest))).slice(0, 16);
    bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
    bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
    const hex = toHex(bytes);
    expect(flow.created.id).toBe(`${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`);
  });

  it("P10 (refuses): the app's role cannot read a digest, and can find a key only by presenting its digest", async () => {
    const owner = (await ownerQuery("select user_id from memberships where org_id = $1 and role = 'owner'", [flow.orgId]))[0]?.user_id;
    const err = await dbError(asApp(workerDb(), { orgId: flow.orgId, userId: String(owner) }, "select key_digest from api_keys"));
    expect(err.code).toBe("42501");
    const unknownDigest = toBase64url(await keyedHmac("digest:api_key", flow.unknown));
    expect((await dbError(asApp(workerDb(), null, `select auth.authenticate_api_key('${unknownDigest}')`))).code).toBe("RAKEY");
  });

  it("P10: no log line of the key's life holds the key or a slice of it; an unknown key is logged by its prefix only", () => {
    // The search does see the flow's lines: its security events were logged.
    for (const event of ["api_key_created", "api_key_revoked", "api_key_rejected"]) {
      expect(
        flow.raw.some((line) => line.includes(`security.${event}`)),
        event,
      ).toBe(true);
    }
    for (const line of flow.raw) {
      for (const secret of [flow.created.key, slice(flow.created.key), flow.unknown, flow.unknown.slice(14)]) {
        expect(line).not.toContain(secret);
      }
    }
    const rejected = flow.raw.filter((line) => line.includes("security.api_key_rejected"));
    expect(rejected.some((line) => line.includes(flow.unknown.slice(0, 14)))).toBe(true);
  });

  it("P10: the stored events of the key's life name it by id and prefix, never the key", async () => {
    const events = await ownerQuery(
      "select type, details from security_events where org_id = $1 and type like 'api_key_%' order by created_at",
      [flow.orgId],
    );
    expect(events.map((e) => e.type)).toEqual(["api_key_created", "api_key_revoked"]);
    for (const event of events) {
      expect(JSON.stringify(event)).not.toContain(slice(flow.created.key));
      expect(event.details).toMatchObject({ key_id: flow.created.id });
    }
  });
});
