/**
 * P10 Secrets stored safely, for integration credentials (the bank's OAuth tokens). The
 * attacks: a copy of the database (backup, operator, SQL injection elsewhere) read for
 * tokens; a sealed token copied from one row or column to another so that the worker
 * decrypts it for the wrong organization; a key rotation that leaves secrets readable
 * only under a retired key, or breaks them. The whole rotation is walked: a new key
 * version first, old secrets still opening, the re-encryption job (batched, resumable,
 * idempotent), then the old version removed.
 *
 * The rotation runs under key sets of its own (versions v71/v72, fresh material), so the
 * job never touches what other files sealed under the test deployment's key: those rows
 * are "unreadable" to it and left exactly as they are.
 */
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { open, seal } from "../../src/crypto/envelope";
import type { Bindings } from "../../src/env";
import { appResult, approve, bankRequests, BINDING_COOKIE, connectionRow, requestsWith, tokensOf } from "../helpers/bank";
import { whereStored } from "../helpers/auth-requests";
import { expectProblem } from "../helpers/expect";
import { workerDb } from "../helpers/identity";
import { ownerCount, ownerQuery } from "../helpers/identity-ip";
import { api, orgWithRoles, person, someIp, type Person } from "../helpers/orgs";
import { asOwner } from "../helpers/tenants";
import { accessTokenFor } from "../helpers/tokens";
import { callApp, envWith, testEnv } from "../helpers/worker";

const KEYS = testEnv.DATA_ENCRYPTION_KEYS ?? "";

const material = (): string => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));

/** A deployment that differs from the test one only by its data keys. */
function withKeys(keys: string): { env: Bindings; app: ReturnType<typeof createApp> } {
  return { env: envWith({ DATA_ENCRYPTION_KEYS: keys }), app: createApp() };
}

type Deployment = ReturnType<typeof withKeys>;

function request(d: Deployment, method: string, path: string, token: string, init: RequestInit<RequestInitCfProperties> = {}) {
  return callApp(
    d.app,
    path,
    {
      method,
      redirect: "manual",
      ...init,
      headers: { authorization: `Bearer ${token}`, "cf-connecting-ip": someIp(), ...(init.headers as Record<string, string> | undefined) },
    },
    d.env,
  );
}

/** Connects the bank for `orgId` through deployment `d` (its keys seal the tokens). */
async function connectThrough(d: Deployment, orgId: string, who: Person): Promise<void> {
  const start = await request(d, "GET", `/v1/orgs/${orgId}/integrations/bank/connect`, who.token);
  expect(start.status).toBe(302);
  const cookie = /__Host-rampart-bank-oauth=([^;]+)/.exec(start.headers.get("set-cookie") ?? "")?.[1] ?? "";
  const url = await approve({
    response: start,
    authorizeUrl: new URL(start.headers.get("location") ?? ""),
    state: "",
    cookie,
    setCookie: "",
  });
  const back = await callApp(
    d.app,
    `${url.pathname}${url.search}`,
    { redirect: "manual", headers: { cookie: `${BINDING_COOKIE}=${cookie}`, "cf-connecting-ip": someIp() } },
    d.env,
  );
  expect(appResult(back).result).toBe("connected");
}

const check = (d: Deployment, orgId: string, who: Person) => request(d, "POST", `/v1/orgs/${orgId}/integrations/bank/check`, who.token);

/** A super administrator with an aal2 token (and one at aal1). */
async function superAdmin(): Promise<{ id: string; aal2: string; aal1: string }> {
  const admin = await person("platform");
  await ownerQuery("update users set is_super_admin = true where id = $1", [admin.id]);
  return {
    id: admin.id,
    aal2: await accessTokenFor({ userId: admin.id, aal: "aal2", amr: ["pwd", "otp", "mfa"], superAdmin: true }),
    aal1: await accessTokenFor({ userId: admin.id, aal: "aal1", amr: ["pwd"], superAdmin: true }),
  };
}

interface Batch {
  readonly key_version: string;
  readonly resealed: number;
  readonly unreadable: string[];
  readonly remaining: number;
  readonly next_after: string | null;
}

async function reencrypt(d: Deployment, token: string, body: Record<string, unknown>): Promise<Batch> {
  const res = await request(d, "POST", "/v1/admin/data-keys/reencrypt", token, {
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
  if (res.status !== 200) throw new Error(`reencrypt answered ${res.status}: ${await res.text()}`);
  return res.json<Batch>();
}

const versionOf = (sealed: unknown): string => String(sealed).split(".")[1] ?? "";

describe("P10 integration secrets at rest", () => {
  it("P10: the bank's tokens are stored only sealed (envelope, per-secret data key), never in clear anywhere in the database", async () => {
    const { orgId, people } = await orgWithRoles();
    const d = withKeys(KEYS);
    await connectThrough(d, orgId, people.owner);
    const row = await connectionRow(orgId);
    const access = await open(KEYS, String(row?.access_token_sealed), { orgId, integration: "bank", column: "access_token" });
    const refresh = await open(KEYS, String(row?.refresh_token_sealed), { orgId, integration: "bank", column: "refresh_token" });
    // They are the bank's: its access tokens are JWTs it signed, its refresh tokens UUIDs.
    expect(JSON.parse(atob((access ?? "").split(".")[1] ?? ""))).toMatchObject({ iss: testEnv.BANK_ISSUER });
    expect(refresh).toMatch(/^[0-9a-f-]{36}$/);
    expect(await whereStored({ access: access ?? "", refresh: refresh ?? "" })).toEqual([]);
    // Each secret has its own data key: the wrapped keys (and IVs) differ, even for the same plaintext.
    const again = await seal(KEYS, access ?? "", { orgId, integration: "bank", column: "access_token" });
    expect(again.split(".")[2]).not.toBe(String(row?.access_token_sealed).split(".")[2]);
    expect(again.split(".")[3]).not.toBe(String(row?.access_token_sealed).split(".")[3]);
    // And the database refuses anything that is not a sealed value.
    const refused = await asOwner(
      workerDb(),
      { text: "select set_config('app.user_id', $1, true)", params: [people.owner.id] },
      { text: "update bank_connections set access_token_sealed = $2 where org_id = $1", params: [orgId, access] },
    ).then(
      () => "stored",
      (error: unknown) => String((error as { code?: string }).code),
    );
    expect(refused).toBe("23514");
  });

  it("P10 (refuses): a sealed token copied to another organization's row, or to another column, does not decrypt and never reaches the bank", async () => {
    const a = await orgWithRoles();
    const b = await orgWithRoles();
    const d = withKeys(KEYS);
    await connectThrough(d, a.orgId, a.people.owner);
    await connectThrough(d, b.orgId, b.people.owner);
    const rowA = await connectionRow(a.orgId);
    const sealedA = String(rowA?.access_token_sealed);
    expect(await open(KEYS, sealedA, { orgId: b.orgId, integration: "bank", column: "access_token" })).toBeUndefined();
    expect(await open(KEYS, sealedA, { orgId: a.orgId, integration: "bank", column: "refresh_token" })).toBeUndefined();
    expect(await open(KEYS, sealedA, { orgId: a.orgId, integration: "other", column: "access_token" })).toBeUndefined();
    // Tampered: one character of the ciphertext, or of the wrapped key.
    const parts = sealedA.split(".");
    const flip = (text: string) => `${text.slice(0, -2)}${text.at(-2) === "A" ? "B" : "A"}${text.at(-1)}`;
    for (const index of [2, 4]) {
      const tampered = parts.map((p, i) => (i === index ? flip(p) : p)).join(".");
      expect(await open(KEYS, tampered, { orgId: a.orgId, integration: "bank", column: "access_token" })).toBeUndefined();
    }
    // Through the API: B's row now holds A's ciphertext.
    await asOwner(
      workerDb(),
      { text: "select set_config('app.user_id', $1, true)", params: [b.people.owner.id] },
      { text: "update bank_connections set access_token_sealed = $2 where org_id = $1", params: [b.orgId, sealedA] },
    );
    const before = (await bankRequests()).length;
    await expectProblem(await check(d, b.orgId, b.people.owner), 409, "bank_connection_broken");
    // A's token was never sent, for B or at all.
    expect(await requestsWith(before, (await tokensOf(a.orgId)).access)).toEqual([]);
    expect(await connectionRow(b.orgId)).toMatchObject({ status: "broken", broken_reason: "undecryptable" });
    // A's own row still works.
    expect((await check(d, a.orgId, a.people.owner)).status).toBe(200);
  });
});

describe("P10 data-key rotation, walked through", () => {
  it("P10: add a version, old secrets still open, the job re-encrypts in resumable idempotent batches, then the old version is removed", async () => {
    const v71 = `v71:${material()}`;
    const v72 = `v72:${material()}`;
    const before = withKeys(v71);
    const during = withKeys(`${v72},${v71}`);
    const after = withKeys(v72);
    const [first, second, third] = await Promise.all([orgWithRoles(), orgWithRoles(), orgWithRoles()]);
    const orgs = [first, second, third];
    for (const { orgId, people } of orgs) await connectThrough(before, orgId, people.owner);
    for (const { orgId } of orgs) expect(versionOf((await connectionRow(orgId))?.access_token_sealed)).toBe("v71");

    // 1. The new version is deployed first: old secrets still open, new ones are sealed with it.
    expect((await check(during, first.orgId, first.people.owner)).status).toBe(200);
    const fresh = await orgWithRoles();
    await connectThrough(during, fresh.orgId, fresh.people.owner);
    expect(versionOf((await connectionRow(fresh.orgId))?.access_token_sealed)).toBe("v72");

    // 2. The job, one connection per batch: resumable from next_after, until a pass is complete.
    const admin = await superAdmin();
    const mine = new Set(orgs.map((o) => o.orgId));
    let cursor: string | undefined;
    let resealed = 0;
    let batches = 0;
    for (;;) {
      const batch = await reencrypt(during, admin.aal2, { batch_size: 1, ...(cursor ? { after: cursor } : {}) });
      expect(batch.key_version).toBe("v72");
      resealed += batch.resealed;
      batches++;
      // What other files sealed under the test deployment's key opens under neither v71 nor v72: left alone.
      for (const org of batch.unreadable) expect(mine.has(org)).toBe(false);
      if (batch.next_after === null) break;
      cursor = batch.next_after;
    }
    expect(resealed).toBe(3);
    expect(batches).toBeGreaterThanOrEqual(3);
    for (const { orgId } of orgs) {
      const row = await connectionRow(orgId);
      expect(versionOf(row?.access_token_sealed)).toBe("v72");
      expect(versionOf(row?.refresh_token_sealed)).toBe("v72");
    }
    // Idempotent: a second pass finds nothing of ours to do.
    const rerun = await reencrypt(during, admin.aal2, { batch_size: 500 });
    expect(rerun.resealed).toBe(0);
    expect(
      await ownerCount("select count(*)::int as n from security_events where actor_user_id = $1 and type = 'data_keys_reencrypted'", [
        admin.id,
      ]),
    ).toBe(batches + 1);

    // 3. The old version removed: every re-encrypted connection still works, refresh included.
    expect((await check(after, second.orgId, second.people.owner)).status).toBe(200);
    await asOwner(
      workerDb(),
      { text: "select set_config('app.user_id', $1, true)", params: [third.people.owner.id] },
      {
        text: "update bank_connections set access_token_expires_at = now() - interval '1 minute' where org_id = $1",
        params: [third.orgId],
      },
    );
    const refreshed = await check(after, third.orgId, third.people.owner);
    expect(refreshed.status).toBe(200);
    expect((await refreshed.json<{ refreshed_at: string | null }>()).refreshed_at).not.toBeNull();
  });

  it("P10 (refuses): a secret still sealed under a retired key does not decrypt: the connection is marked broken, nothing reaches the bank", async () => {
    const v73 = `v73:${material()}`;
    const v74 = `v74:${material()}`;
    const { orgId, people } = await orgWithRoles();
    await connectThrough(withKeys(v73), orgId, people.owner);
    // v73 retired before its secrets were re-encrypted (the runbook's step skipped).
    const retired = withKeys(v74);
    const sealed = String((await connectionRow(orgId))?.access_token_sealed);
    expect(await open(v74, sealed, { orgId, integration: "bank", column: "access_token" })).toBeUndefined();
    const { access, refresh } = await tokensOf(orgId, v73);
    expect(access).toBeDefined();
    const before = (await bankRequests()).length;
    await expectProblem(await check(retired, orgId, people.owner), 409, "bank_connection_broken");
    expect(await requestsWith(before, access, refresh)).toEqual([]);
    expect(await connectionRow(orgId)).toMatchObject({ status: "broken", broken_reason: "undecryptable" });
    // The job reports it rather than guessing: it stays as it was.
    const admin = await superAdmin();
    let unreadable: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const batch = await reencrypt(retired, admin.aal2, { batch_size: 500, ...(cursor ? { after: cursor } : {}) });
      unreadable = [...unreadable, ...batch.unreadable];
      if (batch.next_after === null) break;
      cursor = batch.next_after;
    }
    expect(unreadable).toContain(orgId);
    expect(String((await connectionRow(orgId))?.access_token_sealed)).toBe(sealed);
  });

  it("P10 (refuses): only platform super administrators at aal2 run the job", async () => {
    const d = withKeys(KEYS);
    const admin = await superAdmin();
    const body = { body: JSON.stringify({ batch_size: 1 }), headers: { "content-type": "application/json" } };
    await expectProblem(await request(d, "POST", "/v1/admin/data-keys/reencrypt", admin.aal1, body), 403, "mfa_required");
    const { people } = await orgWithRoles();
    await expectProblem(await request(d, "POST", "/v1/admin/data-keys/reencrypt", people.owner.aal2, body), 403, "forbidden");
    // A token claiming the role for someone the database does not know as one: the database refuses too.
    const pretender = await person("pretender");
    const forged = await accessTokenFor({ userId: pretender.id, aal: "aal2", amr: ["pwd", "otp", "mfa"], superAdmin: true });
    await expectProblem(await request(d, "POST", "/v1/admin/data-keys/reencrypt", forged, body), 403, "forbidden");
    await expectProblem(await api("POST", "/v1/admin/data-keys/reencrypt", undefined, { batch_size: 1 }), 401, "authentication_required");
  });
});
