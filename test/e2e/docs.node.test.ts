/**
 * The /docs page in a real browser (headless Chromium: a system one when installed,
 * else the one shipped in the `@sparticuz/chromium` npm package; see
 * test/helpers/browser.ts), against the real worker under `wrangler dev`: it renders
 * the API's routes, its CSP is exactly the one chosen, the browser reports no CSP
 * violation, and no request leaves the origin.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { findChromium, launchBrowser } from "../helpers/browser.ts";
import { startDevServer, type DevServer } from "../stack/dev-server.ts";

const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// Unset only if beforeAll failed part way (then no test runs, and afterAll stops what did start).
let server: DevServer | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  server = await startDevServer();
  browser = await launchBrowser();
  console.log(`/docs tests: Chromium ${browser.version()} (${(await findChromium()).detail})`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("/docs in Chromium", () => {
  it("renders the routes with the chosen CSP, no CSP violation, and no request leaving the origin", async () => {
    const page = await browser!.newPage();
    const requests: string[] = [];
    const consoleProblems: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") consoleProblems.push(`${message.type()}: ${message.text()}`);
    });
    page.on("pageerror", (error) => consoleProblems.push(`pageerror: ${error.message}`));
    // Runs before any page script (injected by the browser, not subject to the page's CSP).
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { __violations: string[] }).__violations = seen;
      document.addEventListener("securitypolicyviolation", (event) => {
        seen.push(`${event.violatedDirective} blocked ${event.blockedURI} (${event.sourceFile}:${event.lineNumber})`);
      });
    });

    const response = await page.goto(`${server!.url}/docs`, { waitUntil: "load" });
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-security-policy"]).toBe(DOCS_CSP);

    for (const path of ["/healthz", "/readyz", "/.well-known/security.txt", "/openapi.json"]) {
      await page.locator(`.opblock-summary-path[data-path="${path}"]`).first().waitFor({ state: "visible", timeout: 30_000 });
    }
    // Expand one operation: it renders responses with the problem+json schema (more code paths, more chances to hit the CSP).
    await page.locator('.opblock-summary-path[data-path="/readyz"]').first().click();
    await page.locator(".responses-wrapper").first().waitFor({ state: "visible" });
    await page.waitForTimeout(500);

    const violations = await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
    expect(violations).toEqual([]);
    expect(consoleProblems).toEqual([]);
    const origin = new URL(server!.url).origin;
    const foreign = requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith("data:"));
    expect(foreign).toEqual([]);
    expect(requests).toEqual(
      expect.arrayContaining([`${origin}/docs/assets/swagger-ui-bundle.js`, `${origin}/docs/init.js`, `${origin}/openapi.json`]),
    );
    await page.close();
  });

  it("enforces the CSP: an injected inline script is blocked and reported (the check above can see violations)", async () => {
    const page = await browser!.newPage();
    await page.goto(`${server!.url}/docs`, { waitUntil: "load" });
    const outcome = await page.evaluate(
      () =>
        new Promise<{ ran: boolean; directive: string }>((resolve) => {
          document.addEventListener("securitypolicyviolation", (event) => {
            resolve({ ran: (window as unknown as { __ran?: boolean }).__ran === true, directive: event.effectiveDirective });
          });
          const script = document.createElement("script");
          script.textContent = "window.__ran = true";
          document.body.append(script);
        }),
    );
    expect(outcome).toEqual({ ran: false, directive: "script-src-elem" });
    await page.close();
  });
});
