/**
 * P19 Responsible disclosure. A researcher must find a valid contact: the file
 * must follow RFC 9116 (fields, RFC 3339 expiry in the future, text/plain UTF-8)
 * and carry this deployment's configured values.
 */
import { describe, expect, it } from "vitest";
import { expectProblem } from "../helpers/expect";
import { captureLogs } from "../helpers/logs";
import { probeApp } from "../helpers/probe-module";
import { call, callApp, envWith, testEnv } from "../helpers/worker";

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

function fields(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split("\n").filter((l) => l !== "")) {
    const at = line.indexOf(": ");
    const name = line.slice(0, at);
    out.set(name, [...(out.get(name) ?? []), line.slice(at + 2)]);
  }
  return out;
}

describe("P19 security.txt", () => {
  it("P19: /.well-known/security.txt serves Contact, Expires, Policy, Preferred-Languages and Canonical from the config", async () => {
    const response = await call("/.well-known/security.txt");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const f = fields(await response.text());
    expect(f.get("Contact")).toEqual([testEnv.SECURITY_CONTACT]);
    expect(f.get("Policy")).toEqual([testEnv.SECURITY_POLICY_URL]);
    expect(f.get("Preferred-Languages")).toEqual([testEnv.SECURITY_PREFERRED_LANGUAGES]);
    expect(f.get("Canonical")).toEqual([testEnv.SECURITY_CANONICAL_URL]);
    expect([...f.keys()].sort()).toEqual(["Canonical", "Contact", "Expires", "Policy", "Preferred-Languages"]);
  });

  it("P19: Expires is one RFC 3339 timestamp in the future, equal to the configured instant", async () => {
    const f = fields(await (await call("/.well-known/security.txt")).text());
    const expires = f.get("Expires") ?? [];
    expect(expires).toHaveLength(1);
    expect(expires[0]).toMatch(RFC3339);
    expect(Date.parse(expires[0] ?? "")).toBeGreaterThan(Date.now());
    expect(Date.parse(expires[0] ?? "")).toBe(Date.parse(testEnv.SECURITY_TXT_EXPIRES ?? ""));
  });

  it("P19: several contacts become several Contact lines", async () => {
    const { app } = probeApp();
    const bindings = envWith({ SECURITY_CONTACT: "mailto:security@rampart.example, https://rampart.example/security" });
    const f = fields(await (await callApp(app, "/.well-known/security.txt", undefined, bindings)).text());
    expect(f.get("Contact")).toEqual(["mailto:security@rampart.example", "https://rampart.example/security"]);
  });

  it("P19: an expired Expires is still served, and a warning is logged once", async () => {
    const { app } = probeApp();
    const bindings = envWith({ SECURITY_TXT_EXPIRES: "2020-01-01T00:00:00Z" });
    const logs = captureLogs();
    try {
      for (let i = 0; i < 3; i++) {
        const response = await callApp(app, "/.well-known/security.txt", undefined, bindings);
        expect(response.status).toBe(200);
        expect(fields(await response.text()).get("Expires")).toEqual(["2020-01-01T00:00:00Z"]);
      }
      const warnings = logs.lines().filter((l) => l.event === "security_txt_expired");
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.level).toBe("warn");
    } finally {
      logs.restore();
    }
  });

  it("P19 (refuses): the file is read-only over HTTP: PUT, POST, PATCH and DELETE get 405 with Allow: GET, HEAD", async () => {
    const forged = { headers: { "content-type": "text/plain" }, body: "Contact: mailto:attacker@evil.example\n" };
    for (const init of [
      { method: "PUT", ...forged },
      { method: "POST", ...forged },
      { method: "PATCH", ...forged },
      { method: "DELETE" },
    ]) {
      const response = await call("/.well-known/security.txt", init);
      await expectProblem(response, 405, "method_not_allowed");
      expect(response.headers.get("allow"), init.method).toBe("GET, HEAD");
    }
  });

  it.each([
    ["SECURITY_TXT_EXPIRES", "next year"],
    ["SECURITY_TXT_EXPIRES", "2027-11-01"],
    ["SECURITY_POLICY_URL", "http://rampart.example/policy"],
    ["SECURITY_CANONICAL_URL", "ftp://rampart.example/security.txt"],
    ["SECURITY_CONTACT", "security@rampart.example"],
    ["SECURITY_CONTACT", "mailto:a@b.example\r\nPolicy: https://evil.example"],
    ["SECURITY_PREFERRED_LANGUAGES", "en; de"],
  ])("P19 (refuses): %s=%j is refused by config validation instead of publishing a broken file", async (binding, value) => {
    const { app } = probeApp();
    const logs = captureLogs();
    try {
      const response = await callApp(app, "/.well-known/security.txt", undefined, envWith({ [binding]: value }));
      expect(response.status).toBe(500);
      const line = logs.lines().find((l) => l.event === "config_invalid");
      expect(JSON.stringify(line)).toContain(binding);
    } finally {
      logs.restore();
    }
  });
});
