/**
 * P2 Secure headers. Attacks covered: clickjacking (framing), MIME sniffing of API
 * responses into scripts, referrer leaks of tokens in URLs, cross-origin reads,
 * powerful-feature abuse, and fingerprinting through server banners. The headers
 * must be on every response, and error paths are where they are usually lost.
 */
import { describe, expect, it } from "vitest";
import { API_CSP, DOCS_CSP, expectSecureHeaders } from "../helpers/expect";
import { captureLogs } from "../helpers/logs";
import { PROBE_LIMIT, probeApp } from "../helpers/probe-module";
import { call, callApp, envWith } from "../helpers/worker";

const { app } = probeApp();
const json = { "content-type": "application/json" };

const cases: [status: number, label: string, send: () => Promise<Response>][] = [
  [200, "a success", () => call("/healthz")],
  [308, "the plain-http redirect", () => call("http://api.rampart.test/healthz", { redirect: "manual" })],
  [400, "the plain-http refusal", () => call("http://api.rampart.test/healthz", { method: "POST" })],
  [400, "invalid JSON", () => callApp(app, "/__probe/echo", { method: "POST", headers: json, body: "{" })],
  [404, "an unknown path", () => call("/no/such/path")],
  [405, "a wrong method", () => call("/healthz", { method: "DELETE" })],
  [413, "a body over the limit", () => callApp(app, "/__probe/echo", { method: "POST", headers: json, body: "x".repeat(PROBE_LIMIT + 1) })],
  [
    415,
    "a wrong content type",
    () => callApp(app, "/__probe/echo", { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" }),
  ],
  [422, "a validation failure", () => callApp(app, "/__probe/echo", { method: "POST", headers: json, body: "{}" })],
  [426, "an old TLS version", () => call("/healthz", { cf: { tlsVersion: "TLSv1.2" } })],
  [500, "an uncaught error", () => callApp(app, "/__probe/boom")],
  [500, "a thrown non-Error", () => callApp(app, "/__probe/throw-string")],
  [500, "an invalid configuration", () => callApp(app, "/healthz", undefined, envWith({ SECURITY_POLICY_URL: "http://insecure.example" }))],
  [503, "a dependency down", () => callApp(app, "/readyz", undefined, envWith({ UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9" }))],
];

describe("P2 secure headers on every response", () => {
  it.each(cases)("P2: a %i response (%s) carries HSTS, CSP and every secure header, and no banner", async (status, _label, send) => {
    // The 500/503 cases log by design; keep the output clean.
    const logs = captureLogs();
    try {
      const response = await send();
      expect(response.status).toBe(status);
      expectSecureHeaders(response);
    } finally {
      logs.restore();
    }
  });

  it("P2: a HEAD response carries the headers too", async () => {
    const response = await call("/healthz", { method: "HEAD" });
    expect(response.status).toBe(200);
    expectSecureHeaders(response);
  });

  it("P2 (refuses): a handler cannot add a banner, weaken the CSP or allow framing (its X-Frame-Options is removed)", async () => {
    const response = await callApp(app, "/__probe/banner");
    expect(response.status).toBe(200);
    expectSecureHeaders(response);
    expect(response.headers.get("content-security-policy")).toBe(API_CSP);
    expect(response.headers.has("x-frame-options")).toBe(false);
  });

  it("P2: the API's JSON carries no document-only header; the /docs page carries each of them", async () => {
    const documentOnly = [
      "cross-origin-opener-policy",
      "x-frame-options",
      "origin-agent-cluster",
      "x-dns-prefetch-control",
      "x-download-options",
      "x-permitted-cross-domain-policies",
      "x-xss-protection",
    ];
    const [json, page] = await Promise.all([call("/healthz"), call("/docs")]);
    expect(json.headers.get("content-type")).toMatch(/^application\/json/);
    expect(documentOnly.filter((name) => json.headers.has(name))).toEqual([]);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(documentOnly.filter((name) => !page.headers.has(name))).toEqual([]);
    await Promise.all([json.arrayBuffer(), page.arrayBuffer()]);
  });

  it("P2: the API CSP forbids loading anything and being framed", async () => {
    const response = await call("/openapi.json");
    expect(response.headers.get("content-security-policy")).toBe(API_CSP);
  });

  it("P2: the /docs page has its own CSP: self-hosted scripts and styles only, no inline code, no framing", async () => {
    const response = await call("/docs");
    expect(response.status).toBe(200);
    expectSecureHeaders(response, DOCS_CSP);
    expect(DOCS_CSP).not.toContain("unsafe-inline");
    expect(DOCS_CSP).not.toContain("unsafe-eval");
    const html = await response.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\son\w+=/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it("P2 (refuses): the docs CSP does not leak to API paths that merely start with the same letters", async () => {
    const response = await call("/docsx");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-security-policy")).toBe(API_CSP);
  });
});
