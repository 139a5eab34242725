/**
 * P14 with P9 and P11: who may upload and download evidence files, and the database
 * refusing on its own.
 *
 * Covered: viewers and auditors download but cannot upload (403, nothing written);
 * members, admins and owners upload; API keys need the `evidence:*` scopes
 * (`records:*` alone reaches neither files nor download URLs; `evidence:read` downloads,
 * `evidence:write` uploads; a record with a file needs both `records:write` and
 * `evidence:write`, else neither is created); a key's URL stops working once the key is
 * revoked; the browser app's preflight for an upload is granted to its origin only;
 * every request is ONE database round trip (the upload and the download
 * included); as rampart_app, with the API's check bypassed, the row policies refuse
 * another organization's files, a viewer's insert, a version that starts `available`,
 * any change but pending → available, and a version of another organization's record.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { expectProblem } from "../helpers/expect";
import {
  declarationOf,
  declare,
  downloadUrl,
  evidenceWithFile,
  fetchSigned,
  filesPath,
  pdf,
  put,
  uploadTo,
  versionRows,
} from "../helpers/files";
import { workerDb } from "../helpers/identity";
import { api, orgWithRoles, someIp, type Person } from "../helpers/orgs";
import { apiWith, createRecord, recordsPath, rowsIn, taggedDatabase } from "../helpers/records";
import { asApp, dbError, roundTrips } from "../helpers/tenants";
import { callApp, envWith } from "../helpers/worker";

let orgId: string;
let people: Record<"owner" | "admin" | "member" | "auditor" | "viewer", Person>;

beforeAll(async () => {
  ({ orgId, people } = await orgWithRoles());
});

/** An API key of the organization with `scopes`, created by its owner. */
async function keyWith(scopes: string[]): Promise<{ id: string; key: string }> {
  const response = await api("POST", `/v1/orgs/${orgId}/api-keys`, people.owner.token, { name: `files ${scopes.join(" ")}`, scopes });
  if (response.status !== 201) throw new Error(`creating a key answered ${response.status}: ${await response.text()}`);
  return response.json<{ id: string; key: string }>();
}

describe("P14 roles: download for every role, upload for the writers", () => {
  it("P14: viewers and auditors download; owners, admins and members upload", async () => {
    const { recordId } = await evidenceWithFile(orgId, people.member.token);
    for (const who of [people.viewer, people.auditor, people.member, people.admin, people.owner]) {
      expect((await fetchSigned(await downloadUrl(orgId, recordId, who.token))).status).toBe(200);
      expect((await api("GET", filesPath(orgId, recordId), who.token)).status).toBe(200);
    }
    for (const who of [people.member, people.admin, people.owner]) {
      const bytes = pdf();
      expect((await uploadTo(await declare(orgId, recordId, who.token, await declarationOf(bytes)), bytes)).created_by).toBe(who.id);
    }
  });

  it("P14 (refuses): a viewer or an auditor cannot upload: 403, no version, no record", async () => {
    const record = await createRecord(orgId, "evidence", people.member.token);
    const declaration = await declarationOf(pdf());
    for (const who of [people.viewer, people.auditor]) {
      await expectProblem(await api("POST", filesPath(orgId, record.id), who.token, declaration), 403, "forbidden");
      const before = await rowsIn(orgId, "evidence");
      await expectProblem(
        await api("POST", recordsPath(orgId, "evidence"), who.token, { title: "No", file: declaration }),
        403,
        "forbidden",
      );
      expect(await rowsIn(orgId, "evidence")).toBe(before);
    }
    expect(await versionRows(record.id)).toBe(0);
  });
});

describe("P14 API keys need the evidence:* scopes", () => {
  it("P14 (refuses): records:read and records:write keys reach no file, no download URL and no upload", async () => {
    const { recordId } = await evidenceWithFile(orgId, people.member.token);
    for (const scopes of [["records:read"], ["records:write"], ["records:read", "audit:read"]]) {
      const { key } = await keyWith(scopes);
      await expectProblem(await api("GET", `/v1/orgs/${orgId}/evidence/${recordId}/download-url`, key), 403, "forbidden");
      await expectProblem(await api("GET", filesPath(orgId, recordId), key), 403, "forbidden");
      await expectProblem(await api("POST", filesPath(orgId, recordId), key, await declarationOf(pdf())), 403, "forbidden");
      // The record itself is a record: readable with records:*, but its `file` stays hidden.
      const record = await (await api("GET", recordsPath(orgId, "evidence", recordId), key)).json<{ file: unknown }>();
      expect(record.file).toBeNull();
    }
  });

  it("P14: an evidence:read key downloads but cannot upload; an evidence:write key uploads", async () => {
    const { recordId } = await evidenceWithFile(orgId, people.member.token);
    const reader = await keyWith(["evidence:read"]);
    expect((await fetchSigned(await downloadUrl(orgId, recordId, reader.key))).status).toBe(200);
    await expectProblem(await api("POST", filesPath(orgId, recordId), reader.key, await declarationOf(pdf())), 403, "forbidden");
    const writer = await keyWith(["evidence:write"]);
    const bytes = pdf();
    const version = await uploadTo(await declare(orgId, recordId, writer.key, await declarationOf(bytes)), bytes);
    expect(version.created_by).toBe(writer.id);
    expect((await fetchSigned(await downloadUrl(orgId, recordId, writer.key, version.id))).status).toBe(200);
  });

  it("P14 (refuses): a record with a file needs records:write AND evidence:write; with one of them, neither is created", async () => {
    const before = await rowsIn(orgId, "evidence");
    const body = { title: "Key upload", file: await declarationOf(pdf()) };
    await expectProblem(await api("POST", recordsPath(orgId, "evidence"), (await keyWith(["records:write"])).key, body), 403, "forbidden");
    await expectProblem(await api("POST", recordsPath(orgId, "evidence"), (await keyWith(["evidence:write"])).key, body), 403, "forbidden");
    expect(await rowsIn(orgId, "evidence")).toBe(before);
    const both = await api("POST", recordsPath(orgId, "evidence"), (await keyWith(["records:write", "evidence:write"])).key, body);
    expect(both.status).toBe(201);
  });

  it("P14 (refuses): a key's URLs stop working once the key is revoked", async () => {
    const { recordId } = await evidenceWithFile(orgId, people.member.token);
    const key = await keyWith(["evidence:write"]);
    const url = await downloadUrl(orgId, recordId, key.key);
    const bytes = pdf();
    const upload = await declare(orgId, recordId, key.key, await declarationOf(bytes));
    expect((await fetchSigned(url)).status).toBe(200);
    expect((await api("DELETE", `/v1/orgs/${orgId}/api-keys/${key.id}`, people.owner.token)).status).toBe(204);
    await expectProblem(await fetchSigned(url), 404, "not_found");
    await expectProblem(await put(upload.url, bytes, { "content-type": "application/pdf" }), 404, "not_found");
  });
});

describe("P14 the browser app uploads cross-origin", () => {
  it("P14: a preflight from the configured origin may PUT to a signed URL with its Content-Type; another origin gets no grant", async () => {
    const app = createApp();
    const bindings = envWith({ CORS_ORIGINS: "https://app.rampart.test" });
    const { recordId } = await evidenceWithFile(orgId, people.member.token);
    const upload = await declare(orgId, recordId, people.member.token, await declarationOf(pdf()));
    const preflight = (origin: string) =>
      callApp(
        app,
        upload.url,
        {
          method: "OPTIONS",
          headers: {
            origin,
            "access-control-request-method": "PUT",
            "access-control-request-headers": "content-type",
            "cf-connecting-ip": someIp(),
          },
        },
        bindings,
      );
    const allowed = await preflight("https://app.rampart.test");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.rampart.test");
    expect(allowed.headers.get("access-control-allow-methods")).toContain("PUT");
    expect(allowed.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("content-type");
    const other = await preflight("https://evil.example");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("P14 one round trip per request", () => {
  it("P14: declaring, listing, a download URL, uploading, downloading and deleting each take ONE database round trip", async () => {
    const target = workerDb();
    const tag = (what: string) => `p14-rt-${what}-${crypto.randomUUID()}`;
    const record = await createRecord(orgId, "evidence", people.member.token);
    const bytes = pdf();
    const declared = tag("declare");
    const response = await apiWith(
      taggedDatabase(declared),
      "POST",
      filesPath(orgId, record.id),
      people.member.token,
      await declarationOf(bytes),
    );
    expect(response.status).toBe(201);
    expect(await roundTrips(target, declared)).toBe(1);
    const { upload } = await response.json<{ upload: { url: string; file: { id: string } } }>();
    const app = createApp();
    const uploaded = tag("upload");
    const put = await callApp(
      app,
      upload.url,
      {
        method: "PUT",
        body: bytes,
        headers: { "content-type": "application/pdf", "content-length": String(bytes.byteLength), "cf-connecting-ip": someIp() },
      },
      taggedDatabase(uploaded),
    );
    expect(put.status).toBe(200);
    expect(await roundTrips(target, uploaded)).toBe(1);
    const withCreate = tag("create-with-file");
    const created = await apiWith(taggedDatabase(withCreate), "POST", recordsPath(orgId, "evidence"), people.member.token, {
      title: "One trip",
      file: await declarationOf(pdf()),
    });
    expect(created.status).toBe(201);
    expect(await roundTrips(target, withCreate)).toBe(1);
    for (const [what, path] of [
      ["list", filesPath(orgId, record.id)],
      ["download-url", `/v1/orgs/${orgId}/evidence/${record.id}/download-url`],
    ] as const) {
      const t = tag(what);
      expect((await apiWith(taggedDatabase(t), "GET", path, people.viewer.token)).status).toBe(200);
      expect(await roundTrips(target, t), what).toBe(1);
    }
    const url = await downloadUrl(orgId, record.id, people.viewer.token);
    const downloaded = tag("download");
    const got = await callApp(app, url, { headers: { "cf-connecting-ip": someIp() } }, taggedDatabase(downloaded));
    expect(got.status).toBe(200);
    await got.arrayBuffer();
    expect(await roundTrips(target, downloaded)).toBe(1);
    // A forged URL costs no database round trip at all.
    const forged = tag("forged");
    // The signature's first character changed (to another one: a fixed replacement would leave one URL in 64 as it was).
    const refused = await callApp(
      app,
      url.replace(/sig=(.)/, (_, first: string) => `sig=${first === "A" ? "B" : "A"}`),
      { headers: { "cf-connecting-ip": someIp() } },
      taggedDatabase(forged),
    );
    expect(refused.status).toBe(403);
    expect(await roundTrips(target, forged)).toBe(0);
    for (const [what, path] of [
      ["delete-version", `${filesPath(orgId, record.id)}/${upload.file.id}`],
      ["delete-record", recordsPath(orgId, "evidence", record.id)],
    ] as const) {
      const t = tag(what);
      expect((await apiWith(taggedDatabase(t), "DELETE", path, people.member.token)).status).toBe(204);
      expect(await roundTrips(target, t), what).toBe(1);
    }
  });
});

describe("P11 the database refuses on its own (as rampart_app, the API's check bypassed)", () => {
  const sha = "a".repeat(64);
  it("P14 (refuses): another organization's versions are invisible; a viewer inserts nothing; a version never starts available", async () => {
    const target = workerDb();
    const { recordId, version } = await evidenceWithFile(orgId, people.member.token);
    const { orgId: otherOrg, people: them } = await orgWithRoles();
    const seen = await asApp(
      target,
      { orgId: otherOrg, userId: them.owner.id },
      `select id from evidence_files where id = '${version.id}'`,
    );
    expect(seen).toEqual([]);
    // Naming the other org in the context does not help a non-member either.
    expect(await asApp(target, { orgId, userId: them.owner.id }, `select id from evidence_files where id = '${version.id}'`)).toEqual([]);
    const insert = (state = "") =>
      `insert into evidence_files (org_id, evidence_id, name, media_type, size, sha256${state ? ", state" : ""}) values ('${orgId}', '${recordId}', 'x.pdf', 'application/pdf', 10, '${sha}'${state ? `, '${state}'` : ""})`;
    expect((await dbError(asApp(target, { orgId, userId: people.viewer.id }, insert()))).code).toBe("42501");
    // `state` is not the app's to insert (column grant), whoever asks.
    expect((await dbError(asApp(target, { orgId, userId: people.member.id }, insert("available")))).code).toBe("42501");
    expect(await versionRows(recordId)).toBe(1);
  });

  it("P14 (refuses): only pending → available ever changes; nothing else of a version can be changed", async () => {
    const target = workerDb();
    const { version } = await evidenceWithFile(orgId, people.member.token);
    const as = { orgId, userId: people.member.id };
    expect((await dbError(asApp(target, as, `update evidence_files set state = 'pending' where id = '${version.id}'`))).code).toBe("23514");
    expect((await dbError(asApp(target, as, `update evidence_files set name = 'other.pdf' where id = '${version.id}'`))).code).toBe(
      "42501",
    );
    expect((await dbError(asApp(target, as, `update evidence_files set sha256 = '${sha}' where id = '${version.id}'`))).code).toBe("42501");
  });

  it("P14 (refuses): a version of another organization's record: 23503, even for a member of both", async () => {
    const target = workerDb();
    const { orgId: otherOrg, people: them } = await orgWithRoles();
    const theirs = await createRecord(otherOrg, "evidence", them.member.token);
    const statement = `insert into evidence_files (org_id, evidence_id, name, media_type, size, sha256) values ('${orgId}', '${theirs.id}', 'x.pdf', 'application/pdf', 10, '${sha}')`;
    expect((await dbError(asApp(target, { orgId, userId: people.member.id }, statement))).code).toBe("23503");
    expect(await versionRows(theirs.id)).toBe(0);
  });
});
