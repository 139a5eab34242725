/**
 * P14 (evidence files) with P12 (tenant keys) and P13 (audit log), through the real
 * worker, miniflare's R2 and the database: files stored under the organization's prefix,
 * uploaded and downloaded only through short-lived signed URLs, with size and
 * content-type limits and a recorded SHA-256.
 *
 * Covered here: the upload/download round trip with the checksum verified (a record
 * created with its file, and a new version of an existing record); the object key
 * `orgs/<org>/evidence/<record>/<version>` and nothing of the client's file name in it;
 * the download's headers (attachment with the RFC 6266 name, stored media type,
 * nosniff, a CSP that runs nothing, no caching, Repr-Digest) and byte ranges (206, 416);
 * every refusal of an upload (length, declared type, first bytes, SHA-256, a type off the
 * allow-list, a file over the plan's limit, an organization over its storage, no
 * Content-Length) with nothing left in R2 or the database; a repeated upload never
 * overwriting a stored file; the WAF never reading a file's bytes as text; versions,
 * their deletion and the record's (its objects go after the commit) and the
 * organization's; an audit entry for every change.
 * Signed URLs themselves (tampering, expiry, other objects and tenants, rotation):
 * p14-signed-urls.test.ts; roles, API key scopes, round trips and the database's own
 * refusals: p14-evidence-access.test.ts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { expectProblem, expectSecureHeaders } from "../helpers/expect";
import {
  bucket,
  declarationOf,
  declare,
  downloadUrl,
  evidenceWithFile,
  fetchSigned,
  filesPath,
  objectKeys,
  pdf,
  put,
  sha256,
  text,
  uploadTo,
  versionRow,
  versionRows,
  type FileVersion,
  type Upload,
} from "../helpers/files";
import { ownerCount } from "../helpers/identity-ip";
import { api, orgRow, orgWithRoles, someIp, type Person } from "../helpers/orgs";
import { apiWith, auditOf, createRecord, recordsPath, rowsIn } from "../helpers/records";
import { callApp, envWith } from "../helpers/worker";

const FILES_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox";
const MB = 1024 * 1024;

let orgId: string;
let people: Record<"owner" | "admin" | "member" | "auditor" | "viewer", Person>;

beforeAll(async () => {
  ({ orgId, people } = await orgWithRoles());
});

const prefixOf = (org: string, record: string): string => `orgs/${org}/evidence/${record}/`;

/** A record without a file yet, and a pending version of it for `bytes`. */
async function pendingVersion(
  bytes: Uint8Array,
  name = "report.pdf",
  mediaType = "application/pdf",
): Promise<{ recordId: string; upload: Upload }> {
  const record = await createRecord(orgId, "evidence", people.member.token);
  return { recordId: record.id, upload: await declare(orgId, record.id, people.member.token, await declarationOf(bytes, name, mediaType)) };
}

/** Nothing of a refused upload is left: no object under the record's prefix, no version row. */
async function expectNothingLeft(recordId: string): Promise<void> {
  expect(await objectKeys(prefixOf(orgId, recordId))).toEqual([]);
  expect(await versionRows(recordId)).toBe(0);
}

describe("P14 evidence files: upload and download", () => {
  it("P14: a record created with its file, uploaded and downloaded: the bytes and their SHA-256 come back unchanged", async () => {
    const bytes = pdf(300_000);
    const { recordId, version } = await evidenceWithFile(orgId, people.member.token, bytes, "MFA report.pdf");
    expect(version).toMatchObject({
      evidence_id: recordId,
      name: "MFA report.pdf",
      media_type: "application/pdf",
      size: bytes.byteLength,
      sha256: await sha256(bytes),
      state: "available",
      created_by: people.member.id,
    });
    expect(version.uploaded_at).not.toBeNull();
    const response = await fetchSigned(await downloadUrl(orgId, recordId, people.viewer.token));
    expect(response.status).toBe(200);
    const body = new Uint8Array(await response.arrayBuffer());
    expect(body.byteLength).toBe(bytes.byteLength);
    expect(await sha256(body)).toBe(version.sha256);
    // The record carries its current file.
    const record = await (await api("GET", recordsPath(orgId, "evidence", recordId), people.viewer.token)).json<{ file: FileVersion }>();
    expect(record.file).toMatchObject({ id: version.id, sha256: version.sha256, state: "available" });
  });

  it("P14: the answer to a record created with a file carries a pending version and a PUT URL valid ≤ 5 minutes", async () => {
    const bytes = pdf();
    const response = await api("POST", recordsPath(orgId, "evidence"), people.member.token, {
      title: "With a file",
      file: await declarationOf(bytes),
    });
    expect(response.status).toBe(201);
    const created = await response.json<{ id: string; file: unknown; upload: Upload }>();
    expect(created.file).toBeNull();
    expect(created.upload).toMatchObject({
      method: "PUT",
      headers: { "content-type": "application/pdf", "content-length": String(bytes.byteLength) },
      file: { evidence_id: created.id, state: "pending", uploaded_at: null },
    });
    const ttl = Date.parse(created.upload.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5 * 60_000);
    expect(new URL(created.upload.url).pathname).toBe(`/files/orgs/${orgId}/evidence/${created.id}/${created.upload.file.id}`);
  });

  it("P12: the object key is orgs/<org>/evidence/<record>/<version>: the organization's prefix, never the file's name", async () => {
    const { recordId, version } = await evidenceWithFile(orgId, people.member.token, pdf(), "Quartalsbericht – Q4 (final).pdf");
    expect(await objectKeys(prefixOf(orgId, recordId))).toEqual([`orgs/${orgId}/evidence/${recordId}/${version.id}`]);
    expect((await versionRow(version.id))?.object_key).toBe(`orgs/${orgId}/evidence/${recordId}/${version.id}`);
    const stored = await bucket().head(`orgs/${orgId}/evidence/${recordId}/${version.id}`);
    expect(stored?.size).toBe(version.size);
    // A name is a file name, not a path: slashes, backslashes and control characters are refused (422).
    const record = await createRecord(orgId, "evidence", people.member.token);
    for (const name of ["reports/q4.pdf", "reports\\q4.pdf", "bell\u0007.pdf", "line\nbreak.pdf"]) {
      const declaration = { ...(await declarationOf(pdf(), name)) };
      await expectProblem(await api("POST", filesPath(orgId, record.id), people.member.token, declaration), 422, "validation_failed");
    }
  });

  it("P14: the download is an attachment with its RFC 6266 name, its stored type, nosniff, a CSP that runs nothing and no caching", async () => {
    const bytes = pdf();
    const { recordId, version } = await evidenceWithFile(orgId, people.member.token, bytes, 'Prüfbericht "Q4" 2026 (final).pdf');
    const response = await fetchSigned(await downloadUrl(orgId, recordId, people.auditor.token));
    expect(response.status).toBe(200);
    const h = response.headers;
    expect(h.get("content-disposition")).toBe(
      `attachment; filename="Prufbericht _Q4_ 2026 (final).pdf"; filename*=UTF-8''Pr%C3%BCfbericht%20%22Q4%22%202026%20%28final%29.pdf`,
    );
    expect(h.get("content-type")).toBe("application/pdf");
    expect(h.get("content-length")).toBe(String(bytes.byteLength));
    expect(h.get("x-content-type-options")).toBe("nosniff");
    // A file a browser may render is a document: it gets the document-only headers too.
    expectSecureHeaders(response, FILES_CSP);
    expect(h.get("cache-control")).toBe("private, no-store");
    expect(h.get("accept-ranges")).toBe("bytes");
    expect(h.get("etag")).toBe(`"${version.sha256}"`);
    const digest = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))));
    expect(h.get("repr-digest")).toBe(`sha-256=:${digest}:`);
    await response.arrayBuffer();
  });

  it("P14: Range: one range answers 206 with Content-Range, the last N bytes too; outside the file 416; several ranges the whole file", async () => {
    const bytes = pdf(10_000);
    const { recordId } = await evidenceWithFile(orgId, people.member.token, bytes);
    const url = await downloadUrl(orgId, recordId, people.viewer.token);
    const part = await fetchSigned(url, { headers: { range: "bytes=100-199" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe("bytes 100-199/10000");
    expect(part.headers.get("content-length")).toBe("100");
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.subarray(100, 200));
    const tail = await fetchSigned(url, { headers: { range: "bytes=-10" } });
    expect(tail.status).toBe(206);
    expect(tail.headers.get("content-range")).toBe("bytes 9990-9999/10000");
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(bytes.subarray(9990));
    const open = await fetchSigned(url, { headers: { range: "bytes=9000-" } });
    expect(open.status).toBe(206);
    expect((await open.arrayBuffer()).byteLength).toBe(1000);
    const outside = await fetchSigned(url, { headers: { range: "bytes=10000-10010" } });
    await expectProblem(outside, 416, "range_not_satisfiable");
    expect(outside.headers.get("content-range")).toBe("bytes */10000");
    const several = await fetchSigned(url, { headers: { range: "bytes=0-1,5-6" } });
    expect(several.status).toBe(200);
    expect((await several.arrayBuffer()).byteLength).toBe(10_000);
    const head = await fetchSigned(url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe("10000");
  });

  it("P14: a new version of an existing record: both versions are kept, the download serves the newest or the one asked for", async () => {
    const first = pdf(5000);
    const { recordId, version: v1 } = await evidenceWithFile(orgId, people.member.token, first);
    const second = text("id,control,state\n1,MFA,implemented\n");
    const upload = await declare(orgId, recordId, people.admin.token, await declarationOf(second, "controls.csv", "text/csv"));
    const v2 = await uploadTo(upload, second);
    expect(v2).toMatchObject({ state: "available", created_by: people.admin.id, media_type: "text/csv" });
    const list = await (await api("GET", filesPath(orgId, recordId), people.viewer.token)).json<{ items: FileVersion[] }>();
    expect(list.items.map((f) => f.id)).toEqual([v2.id, v1.id]);
    const newest = await fetchSigned(await downloadUrl(orgId, recordId, people.viewer.token));
    expect(new Uint8Array(await newest.arrayBuffer())).toEqual(second);
    const older = await fetchSigned(await downloadUrl(orgId, recordId, people.viewer.token, v1.id));
    expect(await sha256(new Uint8Array(await older.arrayBuffer()))).toBe(v1.sha256);
  });

  it("P14: a file over the WAF's 64 KiB inspection cap, full of attack text, streams through: the bytes are never read as text", async () => {
    const line = "<script>alert(1)</script> ' OR 1=1 -- ; cat /etc/passwd ${jndi:ldap://x/a}\n";
    const bytes = text(line.repeat(Math.ceil((200 * 1024) / line.length)));
    const { recordId, version } = await evidenceWithFile(orgId, people.member.token, bytes, "waf-notes.txt", "text/plain");
    expect(version.size).toBe(bytes.byteLength);
    const body = await (await fetchSigned(await downloadUrl(orgId, recordId, people.viewer.token))).text();
    expect(body).toBe(new TextDecoder().decode(bytes));
  });

  it("P14: a repeated upload of the same bytes answers the version again; other bytes to the same URL change nothing", async () => {
    const bytes = pdf();
    const { recordId, version, upload } = await evidenceWithFile(orgId, people.member.token, bytes);
    const again = await put(upload.url, bytes, { "content-type": "application/pdf" });
    expect(again.status).toBe(200);
    expect((await again.json<FileVersion>()).id).toBe(version.id);
    const other = pdf();
    await expectProblem(await put(upload.url, other, { "content-type": "application/pdf" }), 422, "checksum_mismatch");
    // The stored file and its row are untouched.
    expect((await versionRow(version.id))?.state).toBe("available");
    const body = new Uint8Array(await (await fetchSigned(await downloadUrl(orgId, recordId, people.viewer.token))).arrayBuffer());
    expect(await sha256(body)).toBe(version.sha256);
  });
});

describe("P14 evidence files (refuses): nothing is left in R2 or the database", () => {
  it("P14 (refuses): bytes whose SHA-256 differs from the declared one: 422 checksum_mismatch", async () => {
    const declared = pdf();
    const { recordId, upload } = await pendingVersion(declared);
    const sent = declared.slice();
    sent[sent.length - 1] = (sent[sent.length - 1] ?? 0) ^ 1;
    await expectProblem(await put(upload.url, sent, { "content-type": "application/pdf" }), 422, "checksum_mismatch");
    await expectNothingLeft(recordId);
  });

  it("P14 (refuses): a length other than the declared size: 422 size_mismatch", async () => {
    const declared = pdf(5000);
    const { recordId, upload } = await pendingVersion(declared);
    await expectProblem(await put(upload.url, declared.subarray(0, 4999), { "content-type": "application/pdf" }), 422, "size_mismatch");
    await expectNothingLeft(recordId);
  });

  it("P14 (refuses): first bytes that are not the declared type (HTML declared as a PDF): 415 file_type_mismatch", async () => {
    const html = text("<!doctype html><html><script>alert(document.domain)</script></html>");
    const { recordId, upload } = await pendingVersion(html);
    await expectProblem(await put(upload.url, html, { "content-type": "application/pdf" }), 415, "file_type_mismatch");
    await expectNothingLeft(recordId);
    // Text that is not UTF-8 (binary declared as text/plain) is refused the same way.
    const binary = pdf(2000);
    const second = await pendingVersion(binary, "notes.txt", "text/plain");
    await expectProblem(await put(second.upload.url, binary, { "content-type": "text/plain" }), 415, "file_type_mismatch");
    expect(await objectKeys(prefixOf(orgId, second.recordId))).toEqual([]);
    expect(await versionRows(second.recordId)).toBe(0);
  });

  it("P14 (refuses): a Content-Type other than the declared one: 415 media_type_not_allowed, before a byte is stored", async () => {
    const bytes = pdf();
    const { recordId, upload } = await pendingVersion(bytes);
    await expectProblem(await put(upload.url, bytes, { "content-type": "text/html" }), 415, "media_type_not_allowed");
    await expectNothingLeft(recordId);
  });

  it("P14 (refuses): an upload without Content-Length (a chunked stream): 411 length_required", async () => {
    const bytes = pdf();
    const { upload } = await pendingVersion(bytes);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });
    const response = await callApp(createApp(), upload.url, {
      method: "PUT",
      headers: { "content-type": "application/pdf", "cf-connecting-ip": someIp() },
      body: stream,
    });
    await expectProblem(response, 411, "length_required");
  });

  it("P14 (refuses): a media type off the allow-list (HTML, SVG): 415, no version, no record created with it", async () => {
    const record = await createRecord(orgId, "evidence", people.member.token);
    for (const type of ["text/html", "image/svg+xml", "application/javascript"]) {
      const declaration = await declarationOf(text("<svg onload=alert(1)>"), "x.svg", type);
      await expectProblem(await api("POST", filesPath(orgId, record.id), people.member.token, declaration), 415, "media_type_not_allowed");
    }
    expect(await versionRows(record.id)).toBe(0);
    const before = await rowsIn(orgId, "evidence");
    const declaration = await declarationOf(text("<html>"), "x.html", "text/html");
    await expectProblem(
      await api("POST", recordsPath(orgId, "evidence"), people.member.token, { title: "No", file: declaration }),
      415,
      "media_type_not_allowed",
    );
    expect(await rowsIn(orgId, "evidence")).toBe(before);
  });

  it("P14 (refuses): a file over the plan's limit per file (default 25 MB): 413 file_too_large, and the record is not created either", async () => {
    const record = await createRecord(orgId, "evidence", people.member.token);
    const big = { name: "huge.pdf", size: 25 * MB + 1, media_type: "application/pdf", sha256: "0".repeat(64) };
    await expectProblem(await api("POST", filesPath(orgId, record.id), people.member.token, big), 413, "file_too_large");
    expect(await versionRows(record.id)).toBe(0);
    const before = await rowsIn(orgId, "evidence");
    await expectProblem(
      await api("POST", recordsPath(orgId, "evidence"), people.member.token, { title: "Big", file: big }),
      413,
      "file_too_large",
    );
    expect(await rowsIn(orgId, "evidence")).toBe(before);
    // Exactly the limit is accepted (declared; the bytes would come later).
    const exact = await api("POST", filesPath(orgId, record.id), people.member.token, { ...big, size: 25 * MB });
    expect(exact.status).toBe(201);
  });

  it("P14 (refuses): an organization over its plan's storage (free: 1 GiB, app.plan_limits): 413 storage_quota_exceeded", async () => {
    const { orgId: free, people: them } = await orgWithRoles();
    // A per-file limit as large as the plan's storage, so one declared file fills it.
    const bigFiles = envWith({ EVIDENCE_MAX_FILE_BYTES: String(1024 * MB) });
    const record = await createRecord(free, "evidence", them.member.token);
    const declareSized = (size: number) =>
      apiWith(bigFiles, "POST", filesPath(free, record.id), them.member.token, {
        name: "a.pdf",
        size,
        media_type: "application/pdf",
        sha256: "0".repeat(64),
      });
    expect((await declareSized(1024 * MB - 10)).status).toBe(201);
    expect((await declareSized(10)).status).toBe(201);
    await expectProblem(await declareSized(1), 413, "storage_quota_exceeded");
    expect(await versionRows(record.id)).toBe(2);
  });

  it("P14 (refuses): an organization over the deployment's ceiling (EVIDENCE_MAX_ORG_BYTES): 413 storage_quota_exceeded, pending uploads counted", async () => {
    const { orgId: small, people: them } = await orgWithRoles();
    const limited = envWith({ EVIDENCE_MAX_FILE_BYTES: "3000", EVIDENCE_MAX_ORG_BYTES: "5000" });
    const record = await createRecord(small, "evidence", them.member.token);
    const declare2k = async () => apiWith(limited, "POST", filesPath(small, record.id), them.member.token, await declarationOf(pdf(2000)));
    expect((await declare2k()).status).toBe(201);
    expect((await declare2k()).status).toBe(201);
    // 4000 reserved by two pending uploads: a third 2000 would make 6000 > 5000.
    await expectProblem(await declare2k(), 413, "storage_quota_exceeded");
    await expectProblem(
      await apiWith(limited, "POST", filesPath(small, record.id), them.member.token, await declarationOf(pdf(3001))),
      413,
      "file_too_large",
    );
    expect(await versionRows(record.id)).toBe(2);
  });
});

describe("P14 evidence files: versions and deletion", () => {
  it("P14: deleting a version removes its row, then its object; the other versions stay", async () => {
    const { recordId, version: v1 } = await evidenceWithFile(orgId, people.member.token);
    const next = pdf();
    const v2 = await uploadTo(await declare(orgId, recordId, people.member.token, await declarationOf(next)), next);
    expect(v2.state).toBe("available");
    const response = await api("DELETE", `${filesPath(orgId, recordId)}/${v1.id}`, people.member.token);
    expect(response.status).toBe(204);
    expect(await versionRow(v1.id)).toBeUndefined();
    expect(await objectKeys(prefixOf(orgId, recordId))).toEqual([`orgs/${orgId}/evidence/${recordId}/${v2.id}`]);
    await expectProblem(await api("DELETE", `${filesPath(orgId, recordId)}/${v1.id}`, people.member.token), 404, "not_found");
  });

  it("P14 (refuses): a viewer or auditor cannot delete a version (403), nothing changes", async () => {
    const { recordId, version } = await evidenceWithFile(orgId, people.member.token);
    for (const who of [people.viewer, people.auditor]) {
      await expectProblem(await api("DELETE", `${filesPath(orgId, recordId)}/${version.id}`, who.token), 403, "forbidden");
    }
    expect((await versionRow(version.id))?.state).toBe("available");
    expect(await objectKeys(prefixOf(orgId, recordId))).toHaveLength(1);
  });

  it("P14: deleting the record removes every version and every object", async () => {
    const { recordId } = await evidenceWithFile(orgId, people.member.token);
    const next = pdf();
    await uploadTo(await declare(orgId, recordId, people.member.token, await declarationOf(next)), next);
    await declare(orgId, recordId, people.member.token, await declarationOf(pdf()));
    expect(await objectKeys(prefixOf(orgId, recordId))).toHaveLength(2);
    expect((await api("DELETE", recordsPath(orgId, "evidence", recordId), people.member.token)).status).toBe(204);
    await expectNothingLeft(recordId);
  });

  it("P12: deleting the organization removes everything under its prefix", async () => {
    const { orgId: doomed, people: them } = await orgWithRoles();
    await evidenceWithFile(doomed, them.member.token);
    await evidenceWithFile(doomed, them.member.token);
    expect(await objectKeys(`orgs/${doomed}/`)).toHaveLength(2);
    const name = String((await orgRow(doomed))?.name);
    const response = await api("DELETE", `/v1/orgs/${doomed}?confirm=${encodeURIComponent(name)}`, them.owner.aal2);
    expect(response.status).toBe(204);
    // The objects go after the response (waitUntil): wait for them, bounded.
    for (let i = 0; i < 100 && (await objectKeys(`orgs/${doomed}/`)).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await objectKeys(`orgs/${doomed}/`)).toEqual([]);
  });
});

describe("P13 evidence files in the audit log", () => {
  it("P13: a version's declaration, upload and deletion are audit entries, by the uploader and the deleter", async () => {
    const { recordId, version } = await evidenceWithFile(orgId, people.member.token);
    expect((await api("DELETE", `${filesPath(orgId, recordId)}/${version.id}`, people.admin.token)).status).toBe(204);
    const entries = await auditOf(orgId, version.id);
    expect(entries.map((e) => [e.table_name, e.action, e.actor_user_id])).toEqual([
      ["evidence_files", "insert", people.member.id],
      ["evidence_files", "update", people.member.id],
      ["evidence_files", "delete", people.admin.id],
    ]);
    expect(entries[0]?.after).toMatchObject({ state: "pending", sha256: version.sha256, name: "report.pdf" });
    expect(entries[1]?.before).toMatchObject({ state: "pending" });
    expect(entries[1]?.after).toMatchObject({ state: "available" });
    expect(entries[2]?.before).toMatchObject({ state: "available", object_key: `orgs/${orgId}/evidence/${recordId}/${version.id}` });
  });

  it("P13: a refused upload leaves its declaration and its removal in the audit log (and nothing else)", async () => {
    const bytes = pdf();
    const { recordId, upload } = await pendingVersion(bytes);
    await expectProblem(await put(upload.url, pdf(), { "content-type": "application/pdf" }), 422, "checksum_mismatch");
    expect((await auditOf(orgId, upload.file.id)).map((e) => e.action)).toEqual(["insert", "delete"]);
    expect(await versionRows(recordId)).toBe(0);
    expect(await ownerCount("select count(*)::int as n from audit.entries where org_id = $1 and row_id = $2", [orgId, recordId])).toBe(1);
  });
});
