/**
 * P14 signed URLs, through the real worker: reachable only through short-lived URLs
 * bound to one object and one organization; expired, tampered or cross-tenant URLs get
 * 403 and a security event.
 *
 * Covered: every character of a URL's ids and query changed, one at a time, and bits
 * of its signature flipped → 403; parameters added, removed, reordered, another key id,
 * another method (a download URL used to upload and the reverse) → 403; a URL's
 * signature replayed for another object of the same organization and for another
 * organization's object → 403; a download URL used after its expiry (the clock moved:
 * signed with the test key at an earlier time, never slept) and one that claims to
 * live longer than 5 minutes → 403; the `signed_url_refused` event for each (never the
 * signature in it); key rotation: URLs of the previous key verify until they expire, an
 * unknown key id is refused; a version whose row does not exist (an object put in R2
 * by hand, a version deleted) or is still pending is never served; a URL stops working
 * when whoever asked for it leaves the organization.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { fileUrl, type FileActor } from "../../src/modules/files/files.urls";
import { expectProblem } from "../helpers/expect";
import { bucket, declarationOf, declare, downloadUrl, evidenceWithFile, fetchSigned, pdf, put, testConfig } from "../helpers/files";
import { captureLogs } from "../helpers/logs";
import { ownerQuery } from "../helpers/identity-ip";
import { api, orgWithRoles, someIp, type Person } from "../helpers/orgs";
import { createRecord } from "../helpers/records";
import { callApp, envWith, ORIGIN, testEnv } from "../helpers/worker";

let orgId: string;
let people: Record<"owner" | "admin" | "member" | "auditor" | "viewer", Person>;
let other: { orgId: string; people: Record<"owner" | "admin" | "member" | "auditor" | "viewer", Person> };

beforeAll(async () => {
  [{ orgId, people }, other] = await Promise.all([orgWithRoles(), orgWithRoles()]);
});

const now = (): number => Math.floor(Date.now() / 1000);
const viewer = (): FileActor => ({ kind: "user", id: people.viewer.id, aal: "aal1" });

/** The refusals a block of requests logged, by reason. */
async function refusalsOf(run: () => Promise<void>): Promise<{ reason: unknown; path: unknown; line: string }[]> {
  const logs = captureLogs();
  try {
    await run();
  } finally {
    logs.restore();
  }
  return logs
    .lines()
    .filter((l) => l.event === "security.signed_url_refused")
    .map((l) => ({ reason: l.reason, path: l.path, line: JSON.stringify(l) }));
}

async function expectRefused(response: Response): Promise<void> {
  await expectProblem(response, 403, "signed_url_invalid");
}

describe("P14 signed URLs: tampering", () => {
  it("P14 (refuses): any character of the URL's ids or query changed, one at a time: 403, and a security event each", async () => {
    const { recordId } = await evidenceWithFile(orgId, people.member.token);
    const url = await downloadUrl(orgId, recordId, people.viewer.token);
    expect((await fetchSigned(url)).status).toBe(200);
    // The three ids of the path and the whole query: every character the signature covers.
    const ids = [...url.matchAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g)].flatMap((m) =>
      Array.from({ length: m[0].length }, (_, k) => m.index + k),
    );
    const start = url.indexOf("?") + 1;
    const query = Array.from({ length: url.length - start }, (_, k) => start + k);
    const positions = [...ids, ...query].filter((i) => /[0-9A-Za-z_-]/.test(url.charAt(i)));
    // The path's three ids, and the actor's in the query.
    expect(ids.length).toBe(4 * 36);
    const events = await refusalsOf(async () => {
      for (const i of positions) {
        const ch = url.charAt(i);
        const swapped = `${url.slice(0, i)}${ch === "a" ? "b" : "a"}${url.slice(i + 1)}`;
        expect((await fetchSigned(swapped)).status, `${swapped} (position ${i})`).toBe(403);
      }
    });
    expect(events.length).toBe(positions.length);
    for (const event of events) {
      expect(["malformed", "bad_signature", "unknown_key"]).toContain(event.reason);
      // Never the signature or the query in the event.
      expect(event.line).not.toContain(new URL(url).searchParams.get("sig") ?? "x");
      expect(String(event.path)).not.toContain("?");
    }
  });

  it("P14 (refuses): every bit of the signature flipped in turn: 403 bad_signature or malformed", async () => {
    const { recordId } = await evidenceWithFile(orgId, people.member.token);
    const url = await downloadUrl(orgId, recordId, people.viewer.token);
    const sig = new URL(url).searchParams.get("sig") ?? "";
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const base = url.slice(0, url.length - sig.length);
    for (let i = 0; i < sig.length; i++) {
      const value = alphabet.indexOf(sig.charAt(i));
      for (const bit of [1, 8, 32]) {
        const flipped = `${sig.slice(0, i)}${alphabet.charAt(value ^ bit)}${sig.slice(i + 1)}`;
        await expectRefused(await fetchSigned(base + flipped));
      }
    }
  });

  it("P14 (refuses): a parameter added, removed or moved, another key id, the signature dropped: 403", async () => {
    const { recordId } = await evidenceWithFile(orgId, people.member.token);
    const url = await downloadUrl(orgId, recordId, people.viewer.token);
    const [path = "", query = ""] = url.split("?");
    const pairs = query.split("&");
    const variants = [
      `${path}?${query}&x=1`,
      `${path}?x=1&${query}`,
      `${path}?${pairs.filter((p) => !p.startsWith("act=")).join("&")}`,
      `${path}?${[pairs[1], pairs[0], ...pairs.slice(2)].join("&")}`,
      `${path}?${query.replace(/kid=[^&]*/, "kid=other")}`,
      `${path}?${pairs.filter((p) => !p.startsWith("sig=")).join("&")}`,
      `${path}?${query}&sig=${pairs.at(-1)?.slice(4) ?? ""}`,
      path,
      `${path}?${query.replace(/act=u1\./, "act=u2.")}`,
      `${path}/?${query}`,
    ];
    for (const variant of variants) {
      const response = await fetchSigned(variant);
      expect([403, 404], variant).toContain(response.status);
      if (response.status === 403) await expectRefused(response);
    }
  });

  it("P14 (refuses): a download URL used to upload, and an upload URL used to download: 403 (the method is signed)", async () => {
    const bytes = pdf();
    const { recordId } = await evidenceWithFile(orgId, people.member.token, bytes);
    const download = await downloadUrl(orgId, recordId, people.member.token);
    await expectRefused(await put(download, bytes, { "content-type": "application/pdf" }));
    const upload = await declare(orgId, recordId, people.member.token, await declarationOf(bytes));
    await expectRefused(await fetchSigned(upload.url));
    // The upload's terms are signed too: a bigger size in the URL is another URL.
    await expectRefused(
      await put(upload.url.replace(/size=\d+/, `size=${bytes.byteLength + 1}`), bytes, { "content-type": "application/pdf" }),
    );
  });
});

describe("P14 signed URLs: other objects and other tenants", () => {
  it("P14 (refuses): a URL's signature replayed for another object of the same organization: 403", async () => {
    const a = await evidenceWithFile(orgId, people.member.token);
    const b = await evidenceWithFile(orgId, people.member.token);
    const url = await downloadUrl(orgId, a.recordId, people.viewer.token);
    const replayed = url.replace(`${a.recordId}/${a.version.id}`, `${b.recordId}/${b.version.id}`);
    expect(replayed).not.toBe(url);
    await expectRefused(await fetchSigned(replayed));
    // Same record, another version.
    const v2 = await declare(orgId, a.recordId, people.member.token, await declarationOf(pdf()));
    await expectRefused(await fetchSigned(url.replace(a.version.id, v2.file.id)));
  });

  it("P14 (refuses): a URL of org A used with org B's record: 403; org B's members cannot even ask for one of A's records (404)", async () => {
    const mine = await evidenceWithFile(orgId, people.member.token);
    const theirs = await evidenceWithFile(other.orgId, other.people.member.token);
    const url = await downloadUrl(orgId, mine.recordId, people.viewer.token);
    const crossed = url.replace(
      `orgs/${orgId}/evidence/${mine.recordId}/${mine.version.id}`,
      `orgs/${other.orgId}/evidence/${theirs.recordId}/${theirs.version.id}`,
    );
    const events = await refusalsOf(async () => {
      await expectRefused(await fetchSigned(crossed));
      // Only the organization changed (A's ids under B's prefix): refused the same way.
      await expectRefused(await fetchSigned(url.replace(`orgs/${orgId}/`, `orgs/${other.orgId}/`)));
    });
    expect(events.map((e) => e.reason)).toEqual(["bad_signature", "bad_signature"]);
    const asked = await api("GET", `/v1/orgs/${orgId}/evidence/${mine.recordId}/download-url`, other.people.owner.token);
    await expectProblem(asked, 404, "not_found");
    const theirRecordInMyOrg = await api("GET", `/v1/orgs/${orgId}/evidence/${theirs.recordId}/download-url`, people.owner.token);
    await expectProblem(theirRecordInMyOrg, 404, "not_found");
    const declareThere = await api(
      "POST",
      `/v1/orgs/${orgId}/evidence/${theirs.recordId}/files`,
      people.owner.token,
      await declarationOf(pdf()),
    );
    await expectProblem(declareThere, 404, "not_found");
  });
});

describe("P14 signed URLs: lifetime and keys", () => {
  it("P14 (refuses): a download URL used after its expiry (signed at an earlier time): 403 with reason expired", async () => {
    const { recordId, version } = await evidenceWithFile(orgId, people.member.token);
    const config = testConfig();
    const target = { orgId, recordId, versionId: version.id };
    // The clock moved: this URL was issued 301 s ago with a 300 s lifetime.
    const expired = `${ORIGIN}${await fileUrl(config, "GET", target, viewer(), now() - 1)}`;
    const events = await refusalsOf(async () => {
      await expectRefused(await fetchSigned(expired));
    });
    expect(events.map((e) => e.reason)).toEqual(["expired"]);
    // The same URL with an expiry still ahead works: only the time differs.
    const fresh = `${ORIGIN}${await fileUrl(config, "GET", target, viewer(), now() + 60)}`;
    expect((await fetchSigned(fresh)).status).toBe(200);
  });

  it("P14 (refuses): a URL that claims to live longer than 5 minutes, even correctly signed: 403 too_long_lived", async () => {
    const { recordId, version } = await evidenceWithFile(orgId, people.member.token);
    const url = `${ORIGIN}${await fileUrl(testConfig(), "GET", { orgId, recordId, versionId: version.id }, viewer(), now() + 3600)}`;
    const events = await refusalsOf(async () => {
      await expectRefused(await fetchSigned(url));
    });
    expect(events.map((e) => e.reason)).toEqual(["too_long_lived"]);
  });

  it("P14: an issued URL expires at most 5 minutes after it was issued", async () => {
    const { recordId } = await evidenceWithFile(orgId, people.member.token);
    const response = await api("GET", `/v1/orgs/${orgId}/evidence/${recordId}/download-url`, people.viewer.token);
    const { url, expires_at } = await response.json<{ url: string; expires_at: string }>();
    const exp = Number(new URL(url).searchParams.get("exp"));
    expect(exp * 1000).toBe(Date.parse(expires_at));
    expect(exp - now()).toBeLessThanOrEqual(300);
    expect(exp - now()).toBeGreaterThan(290);
  });

  it("P14: key rotation: URLs of the previous key verify until they expire; an unknown key id is refused", async () => {
    const { recordId, version } = await evidenceWithFile(orgId, people.member.token);
    const target = { orgId, recordId, versionId: version.id };
    const previous = testEnv.URL_SIGNING_SECRET ?? "";
    const kidOf = (value: string): string => (value.includes(":") ? (value.split(":")[0] ?? "") : "v0");
    const secretOf = (value: string): string => (value.includes(":") ? value.slice(value.indexOf(":") + 1) : value);
    const rotated = envWith({ URL_SIGNING_SECRET: `next:${"n".repeat(40)},${kidOf(previous)}:${secretOf(previous)}` });
    const app = createApp();
    const get = (url: string, bindings = rotated) => callApp(app, url, { headers: { "cf-connecting-ip": someIp() } }, bindings);
    // Signed before the rotation (the current test key): still valid after it.
    const old = `${ORIGIN}${await fileUrl(testConfig(), "GET", target, viewer(), now() + 120)}`;
    expect((await get(old)).status).toBe(200);
    // New URLs are signed with the first key, `next`, which the old configuration does not know.
    const signedNow = `${ORIGIN}${await fileUrl(testConfig(rotated), "GET", target, viewer(), now() + 120)}`;
    expect(new URL(signedNow).searchParams.get("kid")).toBe("next");
    expect((await get(signedNow)).status).toBe(200);
    const events = await refusalsOf(async () => {
      await expectRefused(await get(signedNow, testEnv));
    });
    expect(events.map((e) => e.reason)).toEqual(["unknown_key"]);
  });
});

describe("P14 signed URLs: only files the database knows are served", () => {
  it("P14 (refuses): an object in R2 without a row (put there by hand) is never served, even with a valid signature: 404", async () => {
    const record = await createRecord(orgId, "evidence", people.member.token);
    const ghost = crypto.randomUUID();
    await bucket().put(`orgs/${orgId}/evidence/${record.id}/${ghost}`, pdf());
    const url = `${ORIGIN}${await fileUrl(testConfig(), "GET", { orgId, recordId: record.id, versionId: ghost }, viewer(), now() + 60)}`;
    await expectProblem(await fetchSigned(url), 404, "not_found");
  });

  it("P14 (refuses): a pending version (not uploaded) is never served: 404; its record has no download URL (409)", async () => {
    const record = await createRecord(orgId, "evidence", people.member.token);
    const upload = await declare(orgId, record.id, people.member.token, await declarationOf(pdf()));
    const url = `${ORIGIN}${await fileUrl(testConfig(), "GET", { orgId, recordId: record.id, versionId: upload.file.id }, viewer(), now() + 60)}`;
    await expectProblem(await fetchSigned(url), 404, "not_found");
    await expectProblem(
      await api("GET", `/v1/orgs/${orgId}/evidence/${record.id}/download-url`, people.viewer.token),
      409,
      "file_not_available",
    );
  });

  it("P14 (refuses): a download URL of a deleted version: 404, even before it expires", async () => {
    const { recordId, version } = await evidenceWithFile(orgId, people.member.token);
    const url = await downloadUrl(orgId, recordId, people.viewer.token);
    expect((await api("DELETE", `/v1/orgs/${orgId}/evidence/${recordId}/files/${version.id}`, people.member.token)).status).toBe(204);
    await expectProblem(await fetchSigned(url), 404, "not_found");
  });

  it("P14 (refuses): a URL stops working when whoever asked for it leaves the organization", async () => {
    const { orgId: org, people: them } = await orgWithRoles();
    const { recordId } = await evidenceWithFile(org, them.member.token);
    const url = await downloadUrl(org, recordId, them.viewer.token);
    expect((await fetchSigned(url)).status).toBe(200);
    await ownerQuery("delete from memberships where org_id = $1 and user_id = $2", [org, them.viewer.id]);
    await expectProblem(await fetchSigned(url), 404, "not_found");
  });
});
