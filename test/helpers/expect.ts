/** Assertions shared by the pipeline and security suites. */
import { expect } from "vitest";

/** The problem+json body every error has. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  request_id: string;
  errors?: { in: string; path: string; message: string; code: string }[];
  [extension: string]: unknown;
}

/** Asserts an RFC 9457 problem with `status` and `code`, and returns its body. */
export async function expectProblem(response: Response, status: number, code: string): Promise<Problem> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const body = await response.json<Problem>();
  expect(body).toMatchObject({ type: `https://rampart.dev/problems/${code}`, status, code });
  expect(typeof body.title).toBe("string");
  expect(typeof body.detail).toBe("string");
  expect(body.request_id).toBe(response.headers.get("x-request-id"));
  return body;
}

/** The CSP of every API response. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/** The CSP of the /docs page, as chosen and measured (test/e2e/docs.node.test.ts). */
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * Asserts the P1/P2 headers (and the request id) on any response. A document (a page,
 * a file a browser may render, a URL browsers navigate to; any CSP but the API's is
 * one) also carries COOP and X-Frame-Options, which the API's JSON does not (its CSP's
 * `frame-ancestors` forbids framing).
 */
export function expectSecureHeaders(
  response: Response,
  csp: string = API_CSP,
  kind: "api" | "document" = csp === API_CSP ? "api" : "document",
): void {
  const h = response.headers;
  const document = kind === "document";
  expect(h.get("strict-transport-security")).toBe("max-age=63072000; includeSubDomains; preload");
  expect(h.get("content-security-policy")).toBe(csp);
  expect(h.get("x-content-type-options")).toBe("nosniff");
  expect(h.get("referrer-policy")).toBe("no-referrer");
  expect(h.get("cross-origin-resource-policy")).toBe("same-origin");
  expect(h.get("cross-origin-opener-policy")).toBe(document ? "same-origin" : null);
  expect(h.get("x-frame-options")).toBe(document ? "DENY" : null);
  expect(csp).toContain("frame-ancestors 'none'");
  const permissions = h.get("permissions-policy") ?? "";
  for (const feature of ["camera", "microphone", "geolocation", "payment", "usb"]) expect(permissions).toContain(`${feature}=()`);
  expect(permissions).not.toMatch(/=\*|=\(self|=\("/);
  expect(h.has("x-powered-by")).toBe(false);
  expect(h.has("server")).toBe(false);
  expect(h.get("x-request-id")).toMatch(/^[\w=-]{1,128}$/);
}
