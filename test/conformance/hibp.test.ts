/**
 * The Pwned Passwords range stand-in answers what the worker will send it, from
 * inside workerd: SHA-1 computed with WebCrypto, the first 5 hex digits in the path,
 * the suffix looked up in the CRLF-separated answer, optionally padded. Its down
 * switch holds requests past the worker's 1 s timeout, so the fallback can be tested.
 */
import { describe, expect, inject, it } from "vitest";
import { BREACHED_TEST_PASSWORDS } from "../stack/hibp-range/test-passwords";

const { hibpControlUrl } = inject("stack");
const apiUrl = inject("workerVars").HIBP_API_URL ?? "";
const BAD_PREFIX_MESSAGE = "The hash prefix was not in a valid format";
const LINE = /^[0-9A-F]{35}:\d+$/;

async function sha1(password: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(password));
  return [...new Uint8Array(digest)]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("")
    .toUpperCase();
}

function range(prefix: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${apiUrl}/range/${prefix}`, init);
}

/** The answer's lines as suffix → count, after checking every line is `SUFFIX:COUNT`. */
function parseRange(text: string): { lines: string[]; counts: Map<string, number> } {
  const lines = text === "" ? [] : text.split("\r\n");
  for (const line of lines) expect(line).toMatch(LINE);
  return { lines, counts: new Map(lines.map((l) => [l.slice(0, 35), Number(l.slice(36))])) };
}

/** The password's count in the range answer (undefined when its suffix is absent). */
async function lookUp(password: string, padding = false): Promise<{ count: number | undefined; lines: string[] }> {
  const hash = await sha1(password);
  const res = await range(hash.slice(0, 5), padding ? { headers: { "Add-Padding": "true" } } : {});
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
  const { lines, counts } = parseRange(await res.text());
  return { count: counts.get(hash.slice(5)), lines };
}

async function setDown(body: { down: boolean; prefixes?: string[] }): Promise<void> {
  const res = await fetch(`${hibpControlUrl}/__rampart/down`, { method: "POST", body: JSON.stringify(body) });
  expect(res.status).toBe(200);
}

describe("HIBP range stand-in", () => {
  it("is the worker's HIBP_API_URL", () => {
    expect(apiUrl).toBe(hibpControlUrl);
  });

  it.each(["password", "12345678"])("finds the common password %s with a positive count", async (password) => {
    const { count } = await lookUp(password);
    expect(count).toBeGreaterThan(0);
  });

  it("gives more common passwords higher counts", async () => {
    const first = (await lookUp("123456")).count ?? 0;
    const later = (await lookUp("dragon")).count ?? 0;
    expect(first).toBeGreaterThan(later);
    expect(later).toBeGreaterThan(0);
  });

  it.each([...BREACHED_TEST_PASSWORDS])("finds the fixed test password %s as breached", async (password) => {
    expect((await lookUp(password)).count).toBeGreaterThan(0);
  });

  it("does not find a random password", async () => {
    expect((await lookUp(`rampart-${crypto.randomUUID()}`)).count).toBeUndefined();
  });

  it("treats the prefix case-insensitively and answers uppercase suffixes", async () => {
    const prefix = (await sha1("password")).slice(0, 5);
    const upper = await (await range(prefix)).text();
    const lower = await (await range(prefix.toLowerCase())).text();
    expect(lower).toBe(upper);
    expect(upper).not.toBe("");
  });

  it("does not pad the answer without the Add-Padding header", async () => {
    const { lines } = await lookUp("password");
    expect(lines.some((l) => l.endsWith(":0"))).toBe(false);
  });

  it("pads the answer to 800 to 1,000 lines of count 0 when asked, keeping the real line", async () => {
    const plain = await lookUp("password");
    const padded = await lookUp("password", true);
    expect(padded.lines.length).toBeGreaterThanOrEqual(800);
    expect(padded.lines.length).toBeLessThanOrEqual(1000);
    expect(padded.count).toBe(plain.count);
    expect(new Set(padded.lines.map((l) => l.slice(0, 35))).size).toBe(padded.lines.length);
    expect(padded.lines.filter((l) => l.endsWith(":0")).length).toBe(padded.lines.length - plain.lines.length);
  });

  it("pads the answer for a random password too, where every line has count 0", async () => {
    const { count, lines } = await lookUp(`rampart-${crypto.randomUUID()}`, true);
    expect(count).toBeUndefined();
    expect(lines.length).toBeGreaterThanOrEqual(800);
  });

  it.each(["ABCD", "ABCDEF", "GHIJK", "5BAA6%20"])(
    "answers the malformed prefix %s with 400 and the real API's message",
    async (prefix) => {
      const res = await range(prefix);
      expect(res.status).toBe(400);
      expect(await res.text()).toBe(BAD_PREFIX_MESSAGE);
    },
  );

  it("answers other paths with 404", async () => {
    expect((await fetch(`${apiUrl}/range/5BAA6/more`)).status).toBe(404);
    expect((await fetch(`${apiUrl}/pwnedpassword/abc`)).status).toBe(404);
  });

  it("holds a range request while down past a 1 s timeout, and serves again once up", async () => {
    const password = `rampart-${crypto.randomUUID()}`;
    const prefix = (await sha1(password)).slice(0, 5);
    // Only this test's prefix goes down, so tests running alongside keep their answers.
    await setDown({ down: true, prefixes: [prefix] });
    try {
      const started = Date.now();
      await expect(range(prefix, { signal: AbortSignal.timeout(1000) })).rejects.toMatchObject({ name: "TimeoutError" });
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    } finally {
      await setDown({ down: false, prefixes: [prefix] });
    }
    const res = await range(prefix, { signal: AbortSignal.timeout(1000) });
    expect(res.status).toBe(200);
    await res.text();
  });

  it("answers a request held by the down switch once the switch is released", async () => {
    await setDown({ down: true });
    const held = range("5BAA6");
    try {
      await expect
        .poll(async () => (await (await fetch(`${hibpControlUrl}/__rampart/down`)).json<{ held: number }>()).held)
        .toBeGreaterThan(0);
    } finally {
      await setDown({ down: false });
    }
    const res = await held;
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(":");
  });

  it("refuses a down switch request that is not {down: boolean}", async () => {
    const res = await fetch(`${hibpControlUrl}/__rampart/down`, { method: "POST", body: JSON.stringify({ down: "yes" }) });
    expect(res.status).toBe(400);
  });
});
