/** The structured logger: one JSON line per event, secrets redacted. */
import { describe, expect, it } from "vitest";
import { log, redact, scrub } from "../../src/lib/log";
import { captureLogs } from "../helpers/logs";

describe("log", () => {
  it("writes one JSON line with level, event and time", () => {
    const logs = captureLogs();
    try {
      log.info("something_happened", { request_id: "r1", count: 2 });
    } finally {
      logs.restore();
    }
    expect(logs.raw()).toHaveLength(1);
    const [line] = logs.lines();
    expect(line).toMatchObject({ level: "info", event: "something_happened", request_id: "r1", count: 2 });
    expect(typeof line?.time).toBe("string");
  });

  it("redacts values under credential-like keys at any depth", () => {
    const out = redact({
      password: "hunter2",
      headers: { Authorization: "Bearer abc", cookie: "s=1", "x-api-key": "rk_live_1" },
      nested: [{ refresh_token: "rt", DATABASE_URL: "postgres://a:b@h/d", client_secret: "cs", name: "kept" }],
    });
    const text = JSON.stringify(out);
    for (const secret of ["hunter2", "Bearer abc", "s=1", "rk_live_1", '"rt"', "a:b@", '"cs"']) expect(text).not.toContain(secret);
    expect(text).toContain("kept");
  });

  it("scrubs credentials embedded in free text", () => {
    expect(scrub("connect to postgres://app:s3cret@db.internal:5432/x failed")).toBe(
      "connect to postgres://[redacted]@db.internal:5432/x failed",
    );
    expect(scrub("header was Bearer eyJhbGciOi.x.y, retry")).toBe("header was Bearer [redacted], retry");
  });

  it("serialises errors as name, message and stack, scrubbed", () => {
    const out = redact({ error: new TypeError("bad https://u:p@host/x") }) as { error: { name: string; message: string; stack: string } };
    expect(out.error.name).toBe("TypeError");
    expect(out.error.message).toBe("bad https://[redacted]@host/x");
    expect(out.error.stack).not.toContain("u:p@");
  });

  it("bounds the depth it walks", () => {
    type Deep = { next?: Deep };
    const root: Deep = {};
    let cursor = root;
    for (let i = 0; i < 20; i++) cursor = cursor.next = {};
    expect(JSON.stringify(redact(root))).toContain("[truncated]");
  });
});
