/** Configuration parsing: rules, defaults and caching. */
import { describe, expect, it } from "vitest";
import { getConfig, parseConfig } from "../../src/env";
import { captureLogs } from "../helpers/logs";
import { envWith, testEnv } from "../helpers/worker";

function refused(overrides: Record<string, string | undefined>): string[] {
  const result = parseConfig(envWith(overrides));
  return result.ok ? [] : result.error.map((issue) => issue.binding);
}

describe("config", () => {
  it("parses the test deployment", () => {
    const result = parseConfig(testEnv);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.appEnv).toBe("test");
    expect(result.value.minTlsVersion).toBe("TLSv1.3");
    expect(Object.isFrozen(result.value)).toBe(true);
  });

  it("defaults MIN_TLS_VERSION to TLSv1.3 and READY_TIMEOUT_MS to 1500", () => {
    const result = parseConfig(envWith({ MIN_TLS_VERSION: undefined, READY_TIMEOUT_MS: undefined }));
    expect(result.ok && [result.value.minTlsVersion, result.value.readyTimeoutMs]).toEqual(["TLSv1.3", 1500]);
  });

  it("parses once per env object and returns the same config after", () => {
    const env = envWith({});
    const first = getConfig(env);
    expect(getConfig(env)).toBe(first);
  });

  it.each([
    [{ MIN_TLS_VERSION: "TLSv1.4" }, "MIN_TLS_VERSION"],
    [{ READY_TIMEOUT_MS: "0" }, "READY_TIMEOUT_MS"],
    [{ APP_ENV: "prod" }, "APP_ENV"],
    [{ DATABASE_URL: "mysql://x@y/z" }, "DATABASE_URL"],
    [{ NEON_HTTP_ENDPOINT: "http://db-proxy.example/sql" }, "NEON_HTTP_ENDPOINT"],
    [{ NEON_WS_PROXY: "ws://db-proxy.example/v2" }, "NEON_WS_PROXY"],
    [{ UPSTASH_REDIS_REST_URL: "http://redis.example" }, "UPSTASH_REDIS_REST_URL"],
    [{ UPSTASH_REDIS_REST_URL: "https://user:pw@redis.example" }, "UPSTASH_REDIS_REST_URL"],
    [{ RESEND_BASE_URL: "http://mail.example" }, "RESEND_BASE_URL"],
    [{ UPSTASH_REDIS_REST_TOKEN: undefined }, "UPSTASH_REDIS_REST_TOKEN"],
    [{ IDENTIFIER_HASH_SECRET: "too-short" }, "IDENTIFIER_HASH_SECRET"],
  ])("refuses %j", (overrides, binding) => {
    expect(refused(overrides)).toContain(binding);
  });

  it("allows plain http and ws only to loopback service URLs", () => {
    expect(
      refused({
        NEON_HTTP_ENDPOINT: "http://127.0.0.1:1/sql",
        NEON_WS_PROXY: "ws://[::1]:2/v2",
        UPSTASH_REDIS_REST_URL: "http://localhost:3",
      }),
    ).toEqual([]);
    expect(
      refused({
        NEON_HTTP_ENDPOINT: "https://api.neon.example/sql",
        NEON_WS_PROXY: "wss://proxy.example/v2",
        UPSTASH_REDIS_REST_URL: "https://r.upstash.example",
      }),
    ).toEqual([]);
  });

  it("treats an empty var as unset", () => {
    expect(refused({ LOCAL_DEV_ORIGIN: "", NEON_WS_PROXY: "" })).toEqual([]);
  });

  it("never puts a value in the issues it reports", () => {
    const result = parseConfig(envWith({ URL_SIGNING_SECRET: "very-secret-but-short" }));
    expect(JSON.stringify(result)).not.toContain("very-secret-but-short");
  });

  it("logs nothing for a valid config", () => {
    const logs = captureLogs();
    try {
      getConfig(envWith({}));
      expect(logs.raw()).toEqual([]);
    } finally {
      logs.restore();
    }
  });
});
