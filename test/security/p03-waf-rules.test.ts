/**
 * P3 WAF units: the normal form rules see (every way an attacker hides a
 * character), the SSRF host parser (every spelling of an internal address), the
 * SQL tokenizer (injection shapes versus prose), and the rule table's own
 * invariants (unique ids, bounded patterns). Pure functions, run in workerd.
 */
import { describe, expect, it } from "vitest";
import { compileRules, inspect, looksLikeSqlInjection, normalise, REQUEST_RULES, VALUE_RULES, wafPatterns } from "../../src/pipeline/waf";
import { isInternalHost } from "../../src/pipeline/waf/rules/hosts";

describe("P3 WAF normalisation", () => {
  it.each([
    ["%2e%2e%2f", "../"],
    ["%252e%252e%252f", "../"],
    ["%25252e%25252e", ".."],
    ["%c0%ae%c0%ae%c0%af", "../"],
    ["%u002e%u002e%u2215", "..∕"],
    ["&lt;script&gt;", "<script>"],
    ["&#x3c;svg&#62;", "<svg>"],
    ["\\u0065val", "eval"],
    ["ＳＥＬＥＣＴ", "select"],
    ["a%00b", "ab"],
  ])("P3: %s decodes to %s", (raw, plain) => {
    expect(normalise(raw, false)).toBe(plain);
  });

  it("P3: + is a space only in query and form values", () => {
    expect(normalise("a+b", true)).toBe("a b");
    expect(normalise("a+b", false)).toBe("a+b");
  });
});

describe("P3 WAF SSRF host parsing", () => {
  it.each([
    "127.0.0.1",
    "127.1",
    "2130706433",
    "0x7f000001",
    "0177.0.0.1",
    "169.254.169.254",
    "0xa9fea9fe",
    "169.254.43518",
    "10.1.2.3",
    "192.168.0.10",
    "172.20.1.1",
    "[::1]",
    "[::ffff:169.254.169.254]",
    "[fd00::1]",
    "localhost",
    "metadata.google.internal",
    "db.internal:5432",
    "100.100.100.200",
  ])("P3 (refuses): %s is internal", (host) => expect(isInternalHost(host)).toBe(true));

  it.each(["api.rampart.example", "8.8.8.8", "172.32.0.1", "www.bsi.bund.de", "[2001:db8::1]", "1.2.3.4:443"])(
    "P3: %s is not internal",
    (host) => {
      expect(isInternalHost(host)).toBe(false);
    },
  );
});

describe("P3 WAF SQL tokenizer", () => {
  it.each([
    "' or '1'='1",
    "admin'--",
    "1 or 1=1",
    "x' union select password from users--",
    "1; drop table users",
    "'; waitfor delay '0:0:5'--",
    "1 and sleep(5)",
    "select * from users",
    "declare @x int",
    "' having 1=1--",
    "9999 or /*!50000select*/ 1",
  ])("P3 (refuses): %s is SQL injection", (value) => expect(looksLikeSqlInjection(value)).toBe(true));

  it.each([
    "o'brien",
    "select a vendor from the list",
    "1 = 1 in the spec",
    "we drop the old table next week",
    "rock 'n' roll",
    "it's the vendor's risk",
    "0d8f3c9e-8a5b-4c59-9f3e-2a1b3c4d5e6f",
    "2025-11-21t03:40:00z",
    "smith or jones",
    "late; select a vendor",
  ])("P3: %s is not", (value) => expect(looksLikeSqlInjection(value)).toBe(false));
});

describe("P3 WAF rule table", () => {
  it("P3: rule ids are unique and every rule has a paranoia level 1–4 and a weight", () => {
    const ids = [...VALUE_RULES.map((r) => r.id), ...REQUEST_RULES.map((r) => r.id)];
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of [...VALUE_RULES, ...REQUEST_RULES]) {
      expect([1, 2, 3, 4]).toContain(rule.paranoia);
      expect(rule.score).toBeGreaterThan(0);
    }
  });

  it("P3: no WAF pattern has an unbounded quantifier (the full check is npm run redos)", () => {
    for (const { id, pattern } of wafPatterns()) {
      // `*`, `+` and `{n,}` outside a character class, not escaped.
      const unbounded = pattern.source
        .replace(/\\./g, "")
        .replace(/\[[^\]]*\]/g, "")
        .match(/[*+]|\{\d+,\}/);
      expect(unbounded, `rule ${id}`).toBeNull();
    }
  });

  it("P3: an ordinary GET with browser headers matches no rule at any paranoia level below 3", () => {
    for (const level of [1, 2] as const) {
      const matches = inspect(
        {
          method: "GET",
          target: "/v1/orgs/0d8f3c9e-8a5b-4c59-9f3e-2a1b3c4d5e6f/risks?limit=50&status=open",
          headers: [
            ["host", "api.rampart.example"],
            [
              "user-agent",
              "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
            ],
            ["referer", "https://app.rampart.example/orgs/acme/risks?sort=-updated_at"],
            ["x-forwarded-for", "203.0.113.7, 10.0.0.4"],
          ],
          body: undefined,
        },
        compileRules(level, { skipAppRules: true }),
      );
      expect(matches).toEqual([]);
    }
  });
});
